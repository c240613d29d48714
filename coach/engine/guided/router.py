"""With no skill chosen: spot a pasted draft, detect which skill a message is about, or answer from the
guidance directly and suggest a skill."""

from __future__ import annotations

import re
from functools import cache

from coach.engine.guided.flow import Ctx, Out
from coach.engine.guided.script import load_script
from coach.engine.guided.text import first_sentences, one_line, quote
from coach.skills import Skill


@cache
def _router() -> dict:
    return load_script("router").data


def skills_menu() -> str:
    return "\n".join(f"{i}. **{s.label}** (`{s.value}`)" for i, s in enumerate(Skill, start=1))


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text) is not None


def detect_skill(text: str) -> Skill | None:
    """The skill whose keywords the message mentions most (ties go to the earlier skill), or None."""
    lowered = text.lower()
    best, best_hits = None, 0
    for skill in Skill:
        phrases = _router()["keywords"].get(skill.value, [])
        hits = sum(1 + phrase.count(" ") for phrase in phrases if _has_phrase(lowered, phrase))
        if hits > best_hits:
            best, best_hits = skill, hits
    return best


def is_small_talk(text: str) -> bool:
    """A greeting or a thank-you: nothing to search the guidance for."""
    flat = " ".join(re.findall(r"[a-z']+", text.lower()))
    return flat in _router()["small_talk"] or (len(flat.split()) <= 2 and not text.strip().endswith("?"))


def wants_a_flow(text: str) -> bool:
    """A request to do something ("help me prepare...", "let's rehearse") rather than a question about it."""
    lowered = " ".join(text.lower().split())
    if any(_has_phrase(lowered, marker) for marker in _router()["request_markers"]):
        return True
    return not lowered.endswith("?")


def looks_like_draft(text: str) -> bool:
    """A pasted message: long enough, and opens with a greeting or closes with a sign-off."""
    data = _router()
    if len(text) < int(data["draft_min_chars"]):
        return False
    lines = [line.strip().lower() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    opens = any(re.match(rf"{re.escape(g)}\b", lines[0]) for g in data["draft_greetings"])
    closes = any(re.match(rf"{re.escape(s)}\b", line) for line in lines[-3:] for s in data["draft_signoffs"])
    return opens or closes


def answer_freely(ctx: Ctx, text: str, out: Out, *, current: Skill | None = None) -> None:
    """Answer from the top cards: a short gist of each, cited, then suggest the skill that fits."""
    common = load_script("common")
    passages = ctx.guidance.search(one_line(text, 500), k=3)
    if not passages:
        out.say(common.msg("free_nothing", skills=skills_menu()))
        return
    lines = [common.msg("free_intro")]
    for p in passages:
        if p.card_id:
            lines.append(f"- **{p.title}** — {first_sentences(p.text, 2)}")
        else:  # a user document: shown as quoted text, never acted on
            lines.append(
                f"- From your document **{one_line(p.title, 80)}**:\n{quote(first_sentences(p.text, 2))}"
            )
    out.say("\n".join(lines))
    out.cite(passages, lead=common.msg("lead_sources"))
    skill = detect_skill(text) or _skill_of(passages)
    if skill is not None and skill != current:
        out.say(common.msg("free_suggest", label=skill.label, id=skill.value))


def _skill_of(passages: list) -> Skill | None:
    for p in passages:
        for s in p.skills:
            try:
                return Skill(s)
            except ValueError:
                continue
    return None
