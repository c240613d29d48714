"""Text handling for the rule judge: cleaning, normalising, clause splitting and negation scope."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from coach.safe_text import strip_terminal_controls

_QUOTES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2014": "-",
        "\u2013": "-",
        "\u00a0": " ",
        "\u2026": ".",
    }
)

# Words after a comma that start a new clause (so a negation before the comma stops there).
_CLAUSE_STARTERS = (
    "but|so|and|then|instead|just|simply|rather|not|which|because|yet|"
    "though|although|while|whereas|otherwise|i|you|we|they|he|she|it|this|that|there|let's|let|"
    "if|when|once|unless|after|before|"
    # imperatives that open a new instruction: "Don't wait, ask now."
    "go|ask|send|tell|try|make|keep|start|write|book|pick|choose|aim|find|take|focus|use|give|look|put|"
    "set|say|share|bring|follow|reach|invite|email|call|thank|offer|propose|suggest|agree|name|add|check"
)
_SUBORDINATE_OPENERS = re.compile(
    r"(?:if|when|once|unless|even if|even though|although|though|while|whether|after|before|because|since|"
    r"as soon as|whenever|until)\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"'])\s+|\n+|;\s*|\s+-\s+|:\s+")
_COMMA_SPLIT = re.compile(rf",\s+(?=(?:{_CLAUSE_STARTERS})\b)")
# These open a negated clause of their own: "Y rather than X", "Y without X", "not X but Y".
_INNER_SPLIT = re.compile(r"\s+(?=(?:rather than|instead of|without|but|whereas)\b)")


def clean(text: str) -> str:
    """Drop terminal escape sequences and control characters; keep newlines and tabs."""
    return strip_terminal_controls(text)


def _normal_char(char: str) -> str:
    mapped = char.translate(_QUOTES)
    if len(mapped) == 1 and ord(mapped) < 128:
        return mapped.lower()
    decomposed = unicodedata.normalize("NFKD", mapped)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return base if len(base) == 1 else (mapped.lower() if len(mapped.lower()) == 1 else " ")


def normalise(text: str) -> str:
    """Lower case, straight quotes, accents removed. Same length as the input, so offsets map back."""
    return "".join(_normal_char(c) for c in text)


def expand_shorthand(norm: str, shorthand: dict[str, str]) -> tuple[str, list[int]]:
    """Spell out chat shorthand ("u" -> "you") in normalised text.

    Returns the expanded text and, for each of its characters (plus one past the end), the offset in the input
    it came from, so evidence can be cut from the original text.
    """
    offsets = list(range(len(norm) + 1))
    if not shorthand:
        return norm, offsets
    pattern = re.compile(
        r"(?<![\w'])(?:" + "|".join(map(re.escape, sorted(shorthand, key=len, reverse=True))) + r")(?![\w'])"
    )
    out: list[str] = []
    mapping: list[int] = []
    cursor = 0
    for match in pattern.finditer(norm):
        out.append(norm[cursor : match.start()])
        mapping.extend(range(cursor, match.start()))
        replacement = shorthand[match.group()]
        out.append(replacement)
        mapping.extend(
            [match.start()] * max(0, len(replacement) - 1) + [match.end() - 1] * min(1, len(replacement))
        )
        cursor = match.end()
    out.append(norm[cursor:])
    mapping.extend(range(cursor, len(norm)))
    mapping.append(len(norm))
    return "".join(out), mapping


@dataclass(frozen=True, slots=True)
class Clause:
    start: int  # offsets into the (cleaned) advice
    end: int
    sentence: int = 0  # index of the sentence the clause belongs to
    condition: bool = False  # a leading "if ..." clause: describes a situation, recommends nothing


def split_clauses(norm: str) -> list[Clause]:
    """Clauses of a normalised text: sentences, then contrastive and subordinate boundaries."""
    clauses: list[Clause] = []
    for sentence, (s_start, s_end) in enumerate(_spans(norm, 0, len(norm), _SENTENCE_END)):
        for c_start, c_end, condition in _split_commas(norm, s_start, s_end):
            for i_start, i_end in _spans(norm, c_start, c_end, _INNER_SPLIT):
                if norm[i_start:i_end].strip(" ,.\"'()"):
                    clauses.append(Clause(i_start, i_end, sentence, condition))
    return clauses


def _split_commas(norm: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    # "If, after thinking it over, you still disagree, say so": everything before the last comma is the
    # condition.
    head = norm[start:end].lstrip("\"' ")
    opener = _SUBORDINATE_OPENERS.match(head)
    if opener and head[opener.end() :].lstrip().startswith(","):
        commas = [i for i in range(start, end) if norm[i] == ","]
        if len(commas) >= 2:
            last = commas[-1]
            return [(start, last, _is_condition(opener.group())), (last + 1, end, False)]
    if opener and _is_condition(opener.group()) and "," not in norm[start:end]:
        # "if you still disagree later you can talk it through": the condition ends where the main clause does
        lead = (end - start) - len(head)
        main = _MAIN_CLAUSE.search(norm, start + lead + opener.end(), end)
        if main:
            return [(start, main.start(), True), (main.start(), end, False)]
    pieces: list[tuple[int, int, bool]] = []
    spans = _spans(norm, start, end, _COMMA_SPLIT)
    for number, (p_start, p_end) in enumerate(spans):
        # A leading subordinate clause ends at its first comma: "If they don't reply, follow up".
        lead = len(norm[p_start:p_end]) - len(norm[p_start:p_end].lstrip("\"' "))
        comma = norm.find(",", p_start, p_end)
        opener = _SUBORDINATE_OPENERS.match(norm, p_start + lead, p_end)
        if opener and comma != -1:
            pieces += [(p_start, comma, _is_condition(opener.group())), (comma + 1, p_end, False)]
        elif opener and number + 1 < len(spans):
            pieces.append((p_start, p_end, _is_condition(opener.group())))
        else:
            pieces.append((p_start, p_end, False))
    return pieces


_MAIN_CLAUSE = re.compile(
    r"\s(?=then\s|(?:you|we|i|they|he|she) (?:can|could|should|might|may|will|would)\b)"
)


def _is_condition(opener: str) -> bool:
    return opener in ("if", "unless")


def _spans(norm: str, start: int, end: int, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in separator.finditer(norm, start, end):
        if match.start() > cursor:
            spans.append((cursor, match.start()))
        cursor = match.end()
    if cursor < end:
        spans.append((cursor, end))
    return spans


def phrase_regex(phrases: list[str]) -> re.Pattern[str]:
    """One alternation, longest phrase first, matched on word boundaries."""
    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])")


_WORD = re.compile(r"[\w']+")


def words_between(norm: str, start: int, end: int) -> int:
    return len(_WORD.findall(norm, start, end))


# "it" in object position: after a word, before punctuation, the end, or a particle/preposition ("send it
# ahead", "share it with her", "skip it."). Subject "it" ("it feels awkward") is left alone: it rarely
# names the thing the guidance talks about.
_OBJECT_IT = re.compile(
    r"(?<=[a-z] )it(?=\s*(?:[.,;:!?)]|$)|\s+(?:to|with|before|ahead|beforehand|by|on|in|at|first|over|along|"
    r"around|out|up|down|back|off|again|now|later|today|tomorrow|once|anyway|as|so|and|but|or)\b)"
)
_ANTECEDENT_REACH = 240  # characters back: about the previous sentence or two


def resolve_it(norm: str, antecedents: re.Pattern[str] | None) -> tuple[str, list[int]]:
    """Replace an object "it" by the nearest thing named just before it ("write an agenda and send it
    ahead" -> "... send the agenda ahead"), so patterns about that thing apply. Returns the text and, for
    each character (plus one past the end), its offset in the input, as expand_shorthand does."""
    offsets = list(range(len(norm) + 1))
    if antecedents is None:
        return norm, offsets
    named = [(m.end(), m.group()) for m in antecedents.finditer(norm)]
    if not named:
        return norm, offsets
    out: list[str] = []
    mapping: list[int] = []
    cursor = 0
    for match in _OBJECT_IT.finditer(norm):
        before = [thing for end, thing in named if match.start() - _ANTECEDENT_REACH <= end <= match.start()]
        if not before:
            continue
        replacement = "the " + before[-1]
        out.append(norm[cursor : match.start()])
        mapping.extend(range(cursor, match.start()))
        out.append(replacement)
        mapping.extend([match.start()] * (len(replacement) - 1) + [match.end() - 1])
        cursor = match.end()
    out.append(norm[cursor:])
    mapping.extend(range(cursor, len(norm)))
    mapping.append(len(norm))
    return "".join(out), mapping
