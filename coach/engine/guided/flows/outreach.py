"""Draft outreach: compose a first message from the user's answers, or critique a pasted draft principle by
principle. Both end with the judge's checklist (cited) and a save_draft proposal (versions are kept)."""

from __future__ import annotations

import re

from coach.engine.guided.critique import (
    Attempts,
    JudgeFailed,
    checklist,
    cite_violations,
    fmt_score,
    run_judge,
    score_change,
    summary,
)
from coach.engine.guided.flow import BACK, Ctx, Flow, Out, command
from coach.engine.guided.records import Problem, find_partner, propose
from coach.engine.guided.script import Step, fill, load_script, render
from coach.engine.guided.text import one_line, quote, to_second_person
from coach.skills import Skill

COMPOSE = frozenset({"compose", "write", "1", "write one", "compose one", "help me write", "draft one"})
CRITIQUE = frozenset({"critique", "2", "check", "review", "critique a draft", "check my draft"})
MIN_DRAFT_CHARS = 60


class OutreachFlow(Flow):
    skill = Skill.OUTREACH
    script_name = "outreach"

    def start(self, ctx: Ctx, out: Out, *, request: str = "") -> None:
        scores = self.state.get("scores", [])
        self.state.update(self.initial_state())
        self.state["scores"] = scores
        self.state["phase"] = "mode"
        out.say(f"**{self.script.title}.** {self.script.intro}")
        out.cite(self.fixed_cards(ctx, "start"))
        # "help me write to Dr Lee" asks for a composed draft to a named person: start there.
        name = re.search(self.script.data["recipient_pattern"], request) if request else None
        if name and name.group(1).split()[0].lower() not in self.script.data["not_names"]:
            self.state.update(phase="asking", i=0, answers={"recipient": one_line(name.group(1), 120)})
            self.state["prefilled"] = ["recipient"]
            out.say(load_script("common").msg("noted", items=f"a first message to {name.group(1)}"))
            self.ask_current(ctx, out)
            return
        out.say(self.script.msg("mode_question"))

    def handle_phase(self, ctx: Ctx, text: str, out: Out) -> None:
        word = command(text)
        phase = self.state["phase"]
        if word in COMPOSE or word in ("start over", "restart", "again"):
            self.state.update(phase="asking", i=0, answers={})
            self.ask_current(ctx, out)
        elif word in CRITIQUE and phase != "await_draft":
            self.state["phase"] = "await_draft"
            out.say(self.script.msg("paste_prompt"))
        elif word in BACK and self.answers.get("recipient"):
            # after a composed draft: back to the last question, every answer kept
            self.state.update(phase="asking", i=len(self.steps) - 1, prefilled=[])
            self.ask_current(ctx, out, prefix=load_script("common").msg("back_prefix") + " ")
        elif phase == "mode" and len(text) < MIN_DRAFT_CHARS:
            out.say(self.script.msg("mode_question"))
        elif len(text) < MIN_DRAFT_CHARS:
            out.say(self.script.msg("not_a_draft"))
        else:
            self.critique_pasted(ctx, text, out)

    # ---- compose ---------------------------------------------------------------------------------
    def check(self, ctx: Ctx, step: Step, text: str, out: Out) -> str | None:
        lowered = text.lower()
        if step.id == "recipient" and len(text.strip()) < 2:
            return step.hint
        if step.id == "ask" and _asks_for_mentorship(lowered, self.script.data["mentor_ask_patterns"]):
            out.cite(self.fixed_cards(ctx, "mentor_ask"))
            return self.script.msg("mentor_ask")
        if step.id == "admire":
            flat = " ".join(re.findall(r"[a-z']+", lowered))
            if flat in self.script.data["vague_admire_words"] or len(flat.split()) < 3:
                return self.script.msg("vague_admire")
        if step.id == "question" and text.count("?") > 2:
            return self.script.msg("too_many_questions")
        return None

    def compose(self, ctx: Ctx, out: Out) -> None:
        name = _name_of(self.answers["recipient"])
        draft = render(
            "outreach_draft",
            subject=_subject(self.answers.get("admire"), self.answers.get("question")),
            first_name=name,
            about_you=_sentence(self.value("about_you")),
            admire_line=_admire_line(self.answers.get("admire"), self.value("admire")),
            question_line=_question_line(self.answers.get("question"), self.value("question")),
            ask_line=_ask_line(self.answers["ask"]),
            offer_line=_offer_line(self.answers.get("offer")),
            sender="[your name]",
        )
        self.state["recipient"] = name
        out.say(self.script.msg("composed_lead"))
        fence_safe = draft.replace("```", "'" * 3)  # a typed answer must not close the code block early
        out.say(f"```text\n{fence_safe}\n```")
        self._judge_and_save(ctx, draft, out, lead=self.script.msg("check_lead"))

    # ---- critique ----------------------------------------------------------------------------------
    def critique_pasted(self, ctx: Ctx, text: str, out: Out) -> None:
        """Critique a draft the user pasted (shown back only as quoted text; never followed)."""
        self.state["phase"] = "review"
        self.state.setdefault("scores", [])
        out.say(self.script.msg("critique_lead"))
        out.say(quote(text))
        self._judge_and_save(ctx, text, out, lead="")

    def _judge_and_save(self, ctx: Ctx, draft: str, out: Out, *, lead: str) -> None:
        try:
            judgement = run_judge(ctx, draft, "outreach", own_words=True)
        except JudgeFailed as exc:
            out.say(f"I couldn't check the draft ({exc}). It is kept; send it again to retry.")
            self.state["phase"] = "review"
            return
        attempt, previous = Attempts(self.state).add(judgement.score)
        out.critique("draft", judgement, summary(judgement, "Draft"), attempt, previous)
        if lead:
            out.say(lead)
        out.say(
            self.script.msg(
                "score_line",
                score=fmt_score(judgement.score),
                attempt=attempt,
                change=score_change(judgement.score, previous),
            )
        )
        out.say(checklist(judgement))
        cite_violations(ctx, judgement, "outreach", out)
        self._anatomy(ctx, draft, out)
        self._propose_save(ctx, draft, out)
        out.say(self.script.msg("revise_prompt"))
        self.state["phase"] = "review"

    def _anatomy(self, ctx: Ctx, draft: str, out: Out) -> None:
        """Observable checks on the message itself, each with the card behind it and a better alternative."""
        results = anatomy(draft, self.script.checks)
        lines = []
        for check, ok in results:
            mark = "✓" if ok else "✗"
            line = f"- {mark} {check['title']}"
            if not ok:
                line += f"\n  Better: {check['better']}"
            lines.append(line)
        out.say(self.script.msg("anatomy_lead") + "\n" + "\n".join(lines))
        failed = [check["card"] for check, ok in results if not ok]
        lead = load_script("common").msg("lead_failed_checks")
        out.cite(ctx.guidance.cards(list(dict.fromkeys(failed))), lead=lead)

    def _propose_save(self, ctx: Ctx, draft: str, out: Out) -> None:
        recipient = self.state.get("recipient") or _greeted(draft) or "prospective mentor"
        subject, body = _split_subject(draft)
        partner = find_partner(ctx, recipient)
        fields = {
            "name": one_line(_phrase("draft_name", recipient=recipient), 100),
            "body": body,
            "subject": subject,
        }
        if partner is not None and getattr(partner, "id", None) is not None:
            fields["partner_id"] = partner.id
        proposal = propose(ctx, "save_draft", **fields)
        if isinstance(proposal, Problem):
            out.say(self.script.msg("proposal_problem", problem=proposal))
            return
        out.propose(proposal)
        out.say(self.script.msg("save_offer"))


def anatomy(draft: str, checks: tuple[dict, ...]) -> list[tuple[dict, bool]]:
    """Run the [[check]] tables of outreach.toml against a draft (placeholders like "[...]" never pass)."""
    body = re.sub(r"\[[^\]]*\]", "", draft)
    results = []
    for check in checks:
        if "present" in check:
            ok = any(re.search(pattern, body) for pattern in check["present"])
        elif "questions" in check:
            low, high = check["questions"]
            ok = low <= body.count("?") <= high
        elif "max_words" in check:
            ok = len(body.split()) <= int(check["max_words"])
        else:
            continue
        results.append((check, ok))
    return results


def _asks_for_mentorship(lowered: str, patterns: list[str]) -> bool:
    flat = " ".join(lowered.split())
    return any(p in flat for p in patterns)


def _name_of(recipient: str) -> str:
    """ "Dr. Amara Osei, head of data" -> "Dr. Amara Osei"."""
    name = re.split(r",|\s[—–-]\s|\(|:", recipient, maxsplit=1)[0].strip()
    return one_line(name or recipient, 80)


def _phrase(key: str, **values: str) -> str:
    return fill(load_script("outreach").data["phrases"][key], **values)


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text else text


def _sentence(text: str) -> str:
    text = one_line(text, 400).strip()
    if text.startswith("["):
        return text
    if not re.match(r"(?i)^(i|i'm|i am|my)\b", text):
        text = _phrase("about_you", text=_lower_first(text)) if text else text
    return text if text.endswith((".", "!", "?")) else text + "."


def _admire_line(answer: str | None, placeholder: str) -> str:
    if not answer:
        return _phrase("admire", text=placeholder)
    text = to_second_person(one_line(answer, 400)).rstrip(".")
    if re.match(r"(?i)^i\b", text) or _is_full_sentence(text):
        # "Your talk ... changed how I run reviews" already says it; wrapping it would break the grammar.
        text = text[:1].upper() + text[1:]
        return text if text.endswith("!") else text + "."
    return _phrase("admire", text=_lower_first(text))


def _is_full_sentence(text: str) -> bool:
    """Does the answer carry its own verb ("your talk changed ...") rather than name a thing?"""
    verbs = load_script("outreach").data["sentence_verbs"]
    return any(word in verbs for word in re.findall(r"[a-z']+", text.lower())[1:])


def _question_line(answer: str | None, placeholder: str) -> str:
    text = to_second_person(one_line(answer, 400)) if answer else placeholder
    if answer and not text.endswith("?"):
        text = text.rstrip(".") + "?"
    return _phrase("question", text=text)


def _ask_line(answer: str) -> str:
    text = one_line(answer, 300).rstrip(".")
    if re.match(r"(?i)^(would|could|can|might|may|do|are|is)\b", text) or text.endswith("?"):
        return text if text.endswith("?") else text + "?"
    text = re.sub(r"(?i)^(ask (for|them for)|i'd like|i would like|just)\s+", "", text)
    # "a call next month" already says when; adding "in the next few weeks" would say it twice.
    timed = re.search(load_script("outreach").data["time_pattern"], text, flags=re.IGNORECASE)
    return _phrase("ask_timed" if timed else "ask", text=text)


def _offer_line(answer: str | None) -> str:
    if not answer:
        return ""
    text = one_line(answer, 300).rstrip(".")
    if re.match(r"(?i)^(i|i'd|i'm|happy|glad)\b", text):
        return f"\n\n{text}."
    text = _lower_first(text)
    verbs = load_script("outreach").data["offer_verbs"]
    if text.split()[0] in verbs:
        return "\n\n" + _phrase("offer_verb", text=text)
    return "\n\n" + _phrase("offer_thing", text=text)


def _subject(admire: str | None, question: str | None) -> str:
    """ "Question about your talk at PyData on forecasting" from what they admire (or the question)."""
    source = to_second_person(admire or question or "")
    words = re.split(r"[,;.!?]", source, maxsplit=1)[0].split()[:7]
    if not words:
        return _phrase("subject_default")
    return _phrase("subject", topic=_lower_first(" ".join(words)))


def _split_subject(draft: str) -> tuple[str, str]:
    lines = draft.strip().splitlines()
    if lines and lines[0].lower().startswith("subject:"):
        return one_line(lines[0][8:], 290), "\n".join(lines[1:]).strip()
    return "", draft.strip()


def _greeted(draft: str) -> str | None:
    for line in draft.splitlines():
        match = re.match(r"(?i)^\s*(?:dear|hi|hello|hey)\s+([^,\n!]{1,60})", line)
        if match:
            return match.group(1).strip()
    return None
