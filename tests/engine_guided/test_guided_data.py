"""The guided coach's data files: scripts, templates, scenarios and personas load, name real cards, and are
written in the project's own words."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from coach.engine.guided.flows import FLOWS
from coach.engine.guided.scenarios import ScenarioError, feedback_scenarios, protege_personas
from coach.engine.guided.script import ScriptError, fill, load_script, load_template
from coach.knowledge.cards import cards_by_id
from coach.resources import knowledge_dir, prompts_dir
from coach.skills import Skill

SCRIPTS = ["common", "router", *(flow.script_name for flow in FLOWS.values())]
TEMPLATES = ["goal_summary", "outreach_draft", "agenda"]
SEEDS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
COPY_RUN = 8


def test_every_skill_has_a_flow() -> None:
    assert set(FLOWS) == set(Skill)


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_load_and_cite_existing_cards(name: str) -> None:
    script = load_script(name)
    known = cards_by_id()
    named = [cid for step in script.steps for cid in step.cards]
    named += [cid for ids in script.cards.values() for cid in ids]
    missing = [cid for cid in named if cid not in known]
    assert not missing, f"prompts/guided/{name}.toml names unknown cards: {missing}"
    for key, message in script.messages.items():
        assert message, f"{name}: message {key} is empty"
        string.Template(message).get_identifiers()  # placeholders are well formed


def test_flow_steps_are_unique_and_asked() -> None:
    for flow in FLOWS.values():
        ids = [s.id for s in load_script(flow.script_name).steps]
        assert len(ids) == len(set(ids)), flow.script_name
        assert all(load_script(flow.script_name).step(i).ask for i in ids)


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_fill_every_placeholder(name: str) -> None:
    template = load_template(name)
    names = string.Template(template).get_identifiers()
    filled = fill(template, **{n: f"<{n}>" for n in names})
    assert "$" not in filled
    with pytest.raises(ScriptError):
        fill(template)  # a missing value is a loud bug, never a silent "$name" in the output


def test_scenarios_and_personas_are_valid() -> None:
    scenarios = feedback_scenarios()
    assert len(scenarios) >= 5
    for s in scenarios:
        assert len(s.feedback) >= 2 and len(s.strong_reply) >= 3 and s.better_reply
    personas = protege_personas()
    assert len(personas) >= 3
    for p in personas:
        assert p.confidential_at is None or 1 <= p.confidential_at <= len(p.opens_up)


def test_a_broken_scenario_file_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "feedback.toml").write_text('[[scenario]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="feedback.toml"):
        feedback_scenarios(tmp_path)
    with pytest.raises(ScenarioError, match="missing"):
        protege_personas(tmp_path)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower().replace("'", "").replace("\u2019", ""))


def _runs(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + COPY_RUN]) for i in range(len(tokens) - COPY_RUN + 1)}


def test_no_guided_text_copies_a_run_of_words_from_an_article() -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS_DIR}")
    seed_runs: set[tuple[str, ...]] = set()
    for path in SEEDS_DIR.glob("*.txt"):
        seed_runs |= _runs(_words(path.read_text(encoding="utf-8", errors="replace")))
    files = [*(prompts_dir() / "guided").glob("*.*"), *(knowledge_dir() / "scenarios").glob("*.toml")]
    assert files
    for path in files:
        text = re.sub(r'"[a-z0-9]+(?:-[a-z0-9]+)+"', "", path.read_text(encoding="utf-8"))  # card ids
        copied = _runs(_words(text)) & seed_runs
        assert not copied, f"{path.name} copies from an article: {[' '.join(r) for r in copied]}"
