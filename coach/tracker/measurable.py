"""Is a "done when" checkable? The guidance asks for next steps with clear, measurable results.

A result counts as checkable when someone else could tell, on the due date, whether it happened:
it names a number or date, a finished state ("sent", "booked", "updated"), or an artefact that
either exists or does not (a draft, a list, a CV). Feelings and directions ("feel more confident",
"get better at networking") are not checkable on their own.
"""

from __future__ import annotations

import re

_NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty", "hundred", "once", "twice", "both", "every", "each", "all",
    "first", "second", "third", "half", "dozen", "single",
}  # fmt: skip

_DONE_STATES = {
    "sent", "published", "submitted", "booked", "scheduled", "signed", "delivered", "completed",
    "complete", "finished", "done", "shared", "posted", "emailed", "received", "uploaded", "merged",
    "approved", "accepted", "drafted", "written", "recorded", "registered", "enrolled", "presented",
    "passed", "launched", "filed", "reviewed", "returned", "replied", "confirmed", "attended", "met",
    "called", "applied", "agreed", "decided", "chosen", "listed", "read", "paid", "bought", "held",
    "given", "asked", "answered", "ran", "run", "built", "shipped", "closed", "opened", "set up",
    "in place", "on the calendar", "in the calendar", "exists",
}  # fmt: skip

_ARTEFACTS = {
    "draft", "document", "doc", "list", "plan", "page", "report", "email", "e-mail", "message",
    "letter", "note", "notes", "cv", "resume", "résumé", "portfolio", "slide", "slides", "deck",
    "summary", "outline", "agenda", "post", "article", "chapter", "spreadsheet", "budget", "proposal",
    "application", "certificate", "invite", "invitation", "meeting", "call", "calendar", "pr",
    "pull request", "demo", "prototype", "website", "profile", "form", "contract", "table", "chart",
    "questions", "question", "answers", "reply", "feedback", "course", "book", "talk", "presentation",
    "interview", "coffee", "lunch", "introduction", "intro", "template", "checklist", "video",
    "recording", "link", "file", "folder", "repo", "repository", "blog", "newsletter", "script",
}  # fmt: skip

# Past participles that describe a feeling or a direction rather than a checkable state.
_VAGUE_PARTICIPLES = {
    "improved", "learned", "learnt", "understood", "developed", "considered", "explored", "tried",
    "worked", "motivated", "inspired", "engaged", "interested", "focused", "focussed", "organized",
    "organised", "prepared", "informed", "aligned", "energised", "energized", "relaxed", "confused",
    "advanced", "increased", "enhanced", "refined", "polished", "strengthened", "boosted", "need",
    "indeed", "speed", "proceed", "succeed", "exceed", "feed", "seed",
}  # fmt: skip

_VAGUE_HINTS = (
    "feel", "better", "more confident", "improve", "understand", "think about", "explore", "work on",
    "try", "learn about", "get good", "be good", "more comfortable", "as much as possible", "somehow",
)  # fmt: skip

# Words that only restate "finished" ("done", "it is complete") without saying what was achieved.
_VACUOUS = {
    "done", "finished", "complete", "completed", "it", "is", "it's", "its", "the", "task", "step", "when",
    "all", "yes", "ok", "okay", "fully", "totally", "be", "will", "has", "been", "have", "i", "am",
}  # fmt: skip

_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ'-]*")


def measurability_problem(done_when: str) -> str | None:
    """None when `done_when` is checkable; otherwise a message saying what is missing and why."""
    text = " ".join(done_when.split()).lower()
    if not text:
        return (
            "the measurable result ('done when') is missing: ask the user how they will know the step "
            "is done (a number, a date, or something sent, booked or written), so progress can be checked"
        )
    words = _WORD.findall(text)
    if words and all(w in _VACUOUS for w in words):
        return (
            f"the result '{done_when.strip()}' only says the step will be finished: ask the user what will "
            "exist or have happened when it is, e.g. 'draft sent to Sam' or '3 people contacted'"
        )
    if _is_checkable(text):
        return None
    hint = next((h for h in _VAGUE_HINTS if h in text), None)
    reason = f"'{hint}' is a direction, not a result" if hint else "it does not say what will exist or happen"
    return (
        f"the result '{done_when.strip()}' is not measurable ({reason}): ask the user what they could point "
        "to on the due date, e.g. a number ('3 people contacted'), a finished state ('draft sent to Sam') "
        "or an artefact ('one-page plan written'); the guidance asks for clear, measurable results"
    )


def _is_checkable(text: str) -> bool:
    words = _WORD.findall(text)
    padded = f" {' '.join(words)} "

    def has(vocabulary: set[str]) -> bool:
        return any(f" {w} " in padded for w in vocabulary)

    # A number, a date or a finished state ("portfolio updated", "bio rewritten"); feelings do not count.
    strong = (
        any(ch.isdigit() for ch in text)
        or has(_NUMBER_WORDS | _DONE_STATES)
        or any(
            (w.endswith("ed") and len(w) > 4 and w not in _VAGUE_PARTICIPLES)
            or w.endswith(("written", "taken", "given", "chosen", "spoken"))
            for w in words
        )
    )
    if strong:
        return True
    # An artefact alone ("mentor list") is checkable, unless it only decorates a feeling
    # ("feel more confident about the demo").
    vague = any(h in text for h in _VAGUE_HINTS)
    return has(_ARTEFACTS) and not vague
