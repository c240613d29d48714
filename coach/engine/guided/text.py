"""Text hygiene for guided mode: input limits, stripping terminal control sequences, quoting.

Untrusted text (pasted drafts, retrieved passages from user documents) is shown only as quoted text and never
interpreted; escape sequences are removed before anything is emitted so nothing can drive the terminal.
"""

from __future__ import annotations

import re

from coach.safe_text import strip_terminal_controls as clean

MAX_MESSAGE_CHARS = 20_000

class InputError(ValueError):
    """The user's message cannot be handled as it is; the message says why and what to do."""


def check_message(text: str) -> str:
    """Return the cleaned message or raise InputError for empty or oversized input."""
    if not isinstance(text, str):
        raise InputError("the message must be text")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InputError(
            f"that message is {len(text):,} characters; the limit is {MAX_MESSAGE_CHARS:,}. "
            "Paste a shorter part (a draft is usually well under 2,000 characters)."
        )
    cleaned = clean(text).strip()
    if not cleaned:
        raise InputError("the message is empty: type an answer, 'skip', 'back', or 'help'")
    return cleaned


def quote(text: str) -> str:
    """Markdown block quote of untrusted text (already cleaned)."""
    lines = clean(text).strip().splitlines() or [""]
    return "\n".join(f"> {line}".rstrip() for line in lines)


def one_line(text: str, limit: int = 160) -> str:
    """Collapse whitespace; cut at a word boundary with an ellipsis."""
    flat = " ".join(clean(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def split_items(text: str, *, commas: bool = True) -> list[str]:
    """Split a list the user typed: one per line, or separated by ';' (or ',' when `commas`), with bullets
    and numbers removed."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) == 1:
        if ";" in lines[0]:
            lines = lines[0].split(";")
        elif commas:
            lines = lines[0].split(",")
    items = []
    for line in lines:
        item = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip()
        if item:
            items.append(item)
    return items


def first_sentences(text: str, count: int = 2, limit: int = 320) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(clean(text).split()))
    return one_line(" ".join(sentences[:count]), limit)


# The user describes the recipient in the third person ("her talk", "how did he ..."); the draft
# addresses them directly. "her" is possessive before a noun ("her talk") and an object otherwise.
_OBJECT_FOLLOWERS = r"(?:to|at|in|on|and|or|for|with|about|when|if|that|as|from|by|[.,;:!?)]|$)"
_PARTICIPLES = r"been|got|done|written|given|taken|shown|seen|known|grown|built|led|run|\w+ed"
_SECOND_PERSON = [
    # "she's written" is "she has": a past participle follows.
    (r"\b(she|he)'s(?= (?:" + _PARTICIPLES + r")\b)", "you've"),
    (r"\b(she|he)'s\b", "you're"),
    (r"\b(she|he) (is)\b", "you are"),
    (r"\b(she|he) (was)\b", "you were"),
    (r"\b(she|he) (has)\b", "you have"),
    (r"\b(she|he) (does)\b", "you do"),
    (r"\b(?:is|was|has|does) (she|he)\b", None),  # questions: handled below
    (r"\b(herself|himself)\b", "yourself"),
    (r"\bher(?=\s*" + _OBJECT_FOLLOWERS + r")", "you"),
    (r"\b(her|his)\b", "your"),
    (r"\bhim\b", "you"),
    (r"\b(she|he)\b", "you"),
]
_QUESTION_VERBS = {"is": "are", "was": "were", "has": "have", "does": "do"}


def to_second_person(text: str) -> str:
    """Rewrite third-person references to the recipient as "you"/"your", keeping capitals."""

    def keep_case(original: str, replacement: str) -> str:
        return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement

    def question(match: re.Match[str]) -> str:
        verb, _pronoun = match.group(0).split()
        return keep_case(verb, _QUESTION_VERBS[verb.lower()]) + " you"

    for pattern, replacement in _SECOND_PERSON:
        if replacement is None:
            text = re.sub(pattern, question, text, flags=re.IGNORECASE)
        else:
            text = re.sub(
                pattern, lambda m, r=replacement: keep_case(m.group(0), r), text, flags=re.IGNORECASE
            )
    return text
