"""`coach eval score` and `coach eval judge` end to end through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from coach.cli import cli
from coach.resources import evals_dir


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["eval", *args])
    return result.exit_code, result.stdout, result.stderr


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_score_writes_one_line_per_good_input_and_names_bad_lines(tmp_path: Path) -> None:
    good = {
        "id": "a",
        "skill": "session_prep",
        "user": "u",
        "advice": "There's no need for an agenda.",
        "x": 1,
    }
    fine = {"id": "b", "skill": "feedback", "advice": "Thank you for being straight with me."}
    source = write_lines(
        tmp_path / "in.jsonl",
        [
            json.dumps(good).encode(),
            b"{not json",
            json.dumps({"id": "c", "skill": "cooking", "advice": "x"}).encode(),
            b"",
            json.dumps({"id": "d", "skill": "goals"}).encode(),
            b"\xff\xfe bad bytes",
            json.dumps({"id": "e", "skill": "goals", "advice": "   "}).encode(),
            json.dumps(fine).encode(),
        ],
    )
    out = tmp_path / "out.jsonl"
    code, _, err = run("score", str(source), "--out", str(out))
    assert code == 1  # some lines were bad; the good ones are still scored
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert set(rows[0]) == {"id", "verdict", "score", "principles"}
    assert rows[0]["verdict"] == "contradicts" and rows[1]["verdict"] == "aligned"
    assert rows[0]["principles"][0]["principle_id"] == "prepare-and-share-agenda"
    assert "in.jsonl:2: not valid JSON" in err
    assert "in.jsonl:3: unknown skill 'cooking'" in err
    assert "in.jsonl:5: missing field(s): advice" in err
    assert "in.jsonl:6: not UTF-8" in err
    assert "in.jsonl:7: 'advice' is empty" in err


def test_score_to_stdout_and_refuses_binary_or_missing_files(tmp_path: Path) -> None:
    source = write_lines(
        tmp_path / "in.jsonl",
        [json.dumps({"id": "a", "skill": "outreach", "advice": "Would you be my mentor?"}).encode()],
    )
    code, out, _ = run("score", str(source))
    assert code == 0 and json.loads(out)["verdict"] == "contradicts"
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    code, _, err = run("score", str(binary))
    assert code != 0 and "binary" in err
    code, _, err = run("score", str(tmp_path / "nope.jsonl"))
    assert code != 0


def test_score_llm_without_an_llm_says_how_to_configure_one(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [b'{"id": "a", "skill": "goals", "advice": "Set goals."}'])
    code, _, err = run("score", str(source), "--judge", "llm")
    assert code != 0 and "OPENAI_API_KEY" in err


def test_judge_reports_metrics_per_skill_and_misjudged_cases(tmp_path: Path) -> None:
    lines = [
        {
            "id": "1",
            "skill": "session_prep",
            "user": "u1",
            "advice": "Send a short agenda ahead.",
            "label": "aligned",
        },
        {
            "id": "2",
            "skill": "session_prep",
            "user": "u1",
            "advice": "No need for an agenda.",
            "label": "contradicts",
        },
        # deliberately mislabelled, so it must be listed as misjudged with the deciding principle
        {
            "id": "3",
            "skill": "feedback",
            "user": "u2",
            "advice": "That's not fair, I only did it because I was busy.",
            "label": "aligned",
        },
        {
            "id": "4",
            "skill": "feedback",
            "user": "u2",
            "advice": "Thanks, could you give me an example?",
            "label": "contradicts",
        },
    ]
    source = write_lines(tmp_path / "l.jsonl", [json.dumps(x).encode() for x in lines])
    code, out, _ = run("judge", "--labels", str(source), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["overall"]["n"] == 4 and report["overall"]["accuracy"] == 0.5
    assert report["overall"]["pairs"] == 2 and report["overall"]["pairwise_accuracy"] == 0.5
    assert report["per_skill"]["session_prep"]["accuracy"] == 1.0
    assert report["per_skill"]["feedback"]["confusion"] == {"tp": 0, "fn": 1, "fp": 1, "tn": 0}
    misjudged = {m["id"]: m for m in report["misjudged"]}
    assert set(misjudged) == {"3", "4"}
    assert misjudged["3"]["deciding"][0]["principle_id"] == "receive-feedback-openly"
    code, out, err = run("judge", "--labels", str(source), "--min-accuracy", "0.9")
    assert code != 0 and "accuracy 0.500 < 0.9" in err
    assert "Misjudged" in out and "balanced" in out.lower()


def test_judge_needs_labels(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "l.jsonl", [b'{"id": "1", "skill": "goals", "advice": "Set goals."}'])
    code, _, err = run("judge", "--labels", str(source))
    assert code != 0 and "missing field(s): label" in err


def test_dev_set_is_large_balanced_and_mostly_pairs() -> None:
    rows = [json.loads(line) for line in (evals_dir() / "judge" / "dev.jsonl").read_text().splitlines()]
    assert len(rows) >= 150
    skills = {r["skill"] for r in rows}
    assert skills == {"goals", "outreach", "session_prep", "next_steps", "feedback", "mentor_practice"}
    by_user: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        by_user.setdefault((r["skill"], r["user"]), set()).add(r["label"])
    paired = sum(1 for labels in by_user.values() if labels == {"aligned", "contradicts"})
    assert paired * 2 >= 0.8 * len(rows)


def test_score_with_the_llm_judge_over_http(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import httpx
    import respx

    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://llm.test/v1")
    monkeypatch.setenv("COACH_MODEL", "judge-model")
    answer = json.dumps({"explanation": "x", "status": "honoured", "evidence": "", "reason": "Fine."})
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "judge-model",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer}}
        ],
    }
    source = write_lines(
        tmp_path / "in.jsonl",
        [
            json.dumps(
                {"id": "a", "skill": "feedback", "advice": "Thank you; could you give me an example?"}
            ).encode()
        ],
    )
    with respx.mock:
        route = respx.post("http://llm.test/v1/chat/completions").mock(
            return_value=httpx.Response(200, json=body)
        )
        code, out, err = run("score", str(source), "--judge", "llm", "--concurrency", "2")
    assert code == 0, err
    row = json.loads(out)
    assert row["verdict"] == "aligned" and route.call_count >= 1
    assert all(p["status"] == "honoured" for p in row["principles"])
    assert "test" not in err
