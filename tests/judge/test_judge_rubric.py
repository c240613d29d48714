"""The rubric is data: it loads, covers every skill, cites real cards, its examples judge as labelled."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.judge import RuleJudge, load_rubric
from coach.judge.rubric import RubricError, parse_rubric
from coach.knowledge.cards import load_cards
from coach.skills import Skill


def test_every_skill_has_principles_and_every_field_is_filled() -> None:
    rubric = load_rubric()
    assert len(rubric.principles) >= 25
    for skill in Skill:
        assert rubric.for_skill(skill), f"no principle covers {skill}"
    for p in rubric.principles:
        assert p.statement and p.honoured and p.violated and p.better
        assert p.good and p.bad, f"{p.id} needs behaviour patterns on both sides"


def test_every_cited_card_exists() -> None:
    card_ids = {card.id for card in load_cards()}
    for p in load_rubric().principles:
        assert p.cards, f"{p.id} cites no source card"
        missing = [c for c in p.cards if c not in card_ids]
        assert not missing, f"{p.id} cites cards that do not exist: {missing}"


def test_rubric_examples_are_judged_as_labelled() -> None:
    rubric = load_rubric()
    judge = RuleJudge(rubric)
    wrong = []
    for p in rubric.principles:
        for example, expected in [(e, "honoured") for e in p.examples_honoured] + [
            (e, "violated") for e in p.examples_violated
        ]:
            status = {r.principle_id: r.status for r in judge.judge(example, p.skills[0]).principles}[p.id]
            if status != expected:
                wrong.append((p.id, expected, status, example))
    assert not wrong


def test_malformed_rubrics_are_refused_with_the_entry_named(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="not valid TOML"):
        parse_rubric("[[principle]\n")
    with pytest.raises(RubricError, match="no \\[\\[principle\\]\\]"):
        parse_rubric("version = 1\n")
    base = (
        '[language]\nnegators = ["not"]\n[[principle]]\nid = "x"\ntitle = "t"\nstatement = "s"\n'
        'skills = ["goals"]\naudience = "protege"\nseverity = "high"\nhonoured = "h"\nviolated = "v"\n'
        'better = "b"\nexamples_honoured = ["a", "b"]\nexamples_violated = ["c", "d"]\n'
    )
    assert parse_rubric(base + "good = ['ok']\n").principles[0].id == "x"
    with pytest.raises(RubricError, match="principle x: bad good pattern"):
        parse_rubric(base + "good = ['(unclosed']\n")
    with pytest.raises(RubricError, match="principle x"):
        parse_rubric(base.replace('severity = "high"', 'severity = "huge"'))
    with pytest.raises(RubricError, match="<nowhere>"):
        parse_rubric(base + "good = ['<nowhere>']\n")
    with pytest.raises(RubricError, match="missing"):
        load_rubric.__wrapped__(tmp_path / "absent.toml")
