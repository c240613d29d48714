"""The rule judge: offline, deterministic, no model calls.

For every principle that applies to the skill, it looks clause by clause for the behaviour the guidance
recommends (`good`) and the behaviour it warns against (`bad`), both written as patterns in the rubric, and
works out the stance of each mention from the negations around it:

    "send the agenda ahead"               good, affirmed  -> honoured
    "there's no need to send an agenda"   good, negated   -> violated (dismisses what is recommended)
    "ask them to be your mentor at once"  bad,  affirmed  -> violated
    "don't lead with a mentoring request" bad,  negated   -> honoured

The principles' outcomes, weighted by severity, give the rules' own score. A learned layer then reads the
whole text (coach/judge/classifier.py): a logistic regression over its word n-grams, trained on sets
written by independent writers, whose log-odds are added to the rules'. That sum is the score and decides
the verdict, because on writing the rubric was never tuned on the rules alone miss most of what no pattern
covers. The per-principle results and evidence are always the rules'. Texts under 8 words, and the
user's own drafts and replies (`own_words`), are judged by the rules alone.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import Literal

from coach.judge.classifier import AdviceClassifier, load_classifier
from coach.judge.models import Judgement, PrincipleResult
from coach.judge.rubric import Principle, Rubric, load_rubric
from coach.judge.scoring import (
    BASE,
    HONOUR_GAIN,
    LEAN_AGAINST,
    LEAN_ALIGNED,
    LEAN_UNSURE,
    SILENT_BASE,
    VIOLATION_COST,
    squash,
)
from coach.judge.text import (
    Clause,
    clean,
    expand_shorthand,
    normalise,
    phrase_regex,
    resolve_it,
    split_clauses,
    words_between,
)
from coach.skills import Skill, parse_skill

MAX_ADVICE_CHARS = 100_000
_NEGATED_GOOD = 0.85  # "no need to X" is a slightly weaker signal than recommending the bad behaviour


class JudgeInputError(ValueError):
    """The text to judge is unusable (empty, too long); the message says why."""


@dataclass(frozen=True, slots=True)
class _Hit:
    principle: Principle
    honours: bool
    strength: float
    clause: Clause
    how: str  # how the text relates to the principle, for the one-line reason


@dataclass(frozen=True, slots=True)
class _Compiled:
    principle: Principle
    good: tuple[re.Pattern[str], ...]
    bad: tuple[re.Pattern[str], ...]


def check_text(text: object, what: str = "advice") -> str:
    """Clean a text to judge; raise JudgeInputError naming the problem."""
    if not isinstance(text, str):
        raise JudgeInputError(f"{what} must be text, not {type(text).__name__}")
    cleaned = clean(text)
    if not cleaned.strip():
        raise JudgeInputError(f"{what} is empty")
    if len(cleaned) > MAX_ADVICE_CHARS:
        raise JudgeInputError(
            f"{what} is {len(cleaned):,} characters; the judge accepts up to {MAX_ADVICE_CHARS:,}"
        )
    return cleaned


def to_skill(skill: Skill | str | None) -> Skill | None:
    if skill is None or isinstance(skill, Skill):
        return skill
    return parse_skill(skill)


class RuleJudge:
    """Offline judge driven by knowledge/rubric.toml. Construction compiles the patterns (milliseconds)."""

    name = "rule"

    def __init__(
        self, rubric: Rubric | None = None, classifier: AdviceClassifier | Literal["auto"] | None = "auto"
    ) -> None:
        """classifier: "auto" = the shipped learned layer; None = the rules alone (their own verdict)."""
        self.rubric = rubric or load_rubric()
        self.classifier = load_classifier() if classifier == "auto" else classifier
        language = self.rubric.language
        self._negators = phrase_regex(language.negators)
        self._post_negators = phrase_regex(language.post_negators)
        self._not_negations = phrase_regex(language.not_negations) if language.not_negations else None
        self._window = language.negation_window
        self._near_negators = phrase_regex(language.near_negators) if language.near_negators else None
        self._constructive = phrase_regex(language.constructive_cues) if language.constructive_cues else None
        self._dismissive = phrase_regex(language.dismissive_cues) if language.dismissive_cues else None
        self._shorthand = {k.lower(): v.lower() for k, v in language.shorthand.items()}
        self._markers = phrase_regex(language.discourse_markers) if language.discourse_markers else None
        self._postponements = phrase_regex(language.postponements) if language.postponements else None
        self._deferrals = phrase_regex(language.deferrals) if language.deferrals else None
        self._endorsements = phrase_regex(language.endorsements) if language.endorsements else None
        self._antecedents = phrase_regex(language.antecedents) if language.antecedents else None
        self._compiled = [
            _Compiled(
                p,
                tuple(re.compile(self.rubric.expand(x)) for x in p.good),
                tuple(re.compile(self.rubric.expand(x)) for x in p.bad),
            )
            for p in self.rubric.principles
        ]

    # ---- public -----------------------------------------------------------------------------
    def judge(
        self, advice: str, skill: Skill | str | None, user: str = "", *, own_words: bool = False
    ) -> Judgement:
        """own_words: the text is the user's own (an outreach draft, a rehearsal reply), not a coach's
        advice. The learned layer only ever read advice, so those are judged by the rules alone."""
        text = check_text(advice)
        wanted = to_skill(skill)
        principles = [c for c in self._compiled if wanted is None or wanted in c.principle.skills]
        hits = self._hits(text, principles)
        self._inherit_from_approved_draft(text, user, principles, hits)
        self._structural_checks(text, principles, hits)
        by_rules = self._decide(text, principles, hits)
        if own_words or self.classifier is None or not self.classifier.applies_to(text):
            return by_rules
        # The learned layer weighs the rules' findings against the whole text; the evidence stays the rules'.
        learned = self.classifier.probability(text, by_rules)
        verdict = "aligned" if learned >= 0.5 else "contradicts"
        return replace(by_rules, verdict=verdict, score=learned, classifier_score=learned)

    def _hits(self, text: str, principles: list[_Compiled]) -> dict[str, list[_Hit]]:
        norm, offsets = expand_shorthand(normalise(text), self._shorthand)
        norm, resolved = resolve_it(norm, self._antecedents)
        offsets = [offsets[i] for i in resolved]
        norm = self._blank_discourse_markers(norm)
        clauses = split_clauses(norm)
        # Evidence is cut from the original text, so hits carry clauses in its offsets.
        original = [
            Clause(offsets[c.start], max(offsets[c.start], offsets[c.end - 1] + 1), c.sentence, c.condition)
            for c in clauses
        ]
        masked = _mask_outside(norm, clauses)
        starts = [c.start for c in clauses]
        negations = self._negation_spans(norm)
        deferred = self._deferred_sentences(norm, clauses, self._deferrals)
        postponed = self._deferred_sentences(norm, clauses, self._postponements)
        hits: dict[str, list[_Hit]] = {}
        for compiled in principles:
            found = self._find(compiled, masked, clauses, starts, negations, deferred, postponed, original)
            if found:
                hits[compiled.principle.id] = found
        return hits

    def _lean(self, text: str) -> float:
        """No principle applies: decide by tone. Constructive cues (questions, dates or numbers, thanks, a
        specific ask) are counted against dismissive ones (dismissive words, negations); the side with more
        wins, so a long friendly reply with one "just" or one "don't" is not read as dismissive. No
        principle is named."""
        norm = normalise(text)
        constructive = text.count("?") + len(_DIGIT.findall(text))
        if self._constructive is not None:
            constructive += len(self._constructive.findall(norm))
        dismissive = len(self._negation_spans(norm)[0])
        if self._dismissive is not None:
            dismissive += len(self._dismissive.findall(norm))
        if constructive > dismissive:
            return LEAN_ALIGNED
        if dismissive > constructive:
            return LEAN_AGAINST
        return LEAN_UNSURE

    def _blank_discourse_markers(self, norm: str) -> str:
        """'To be honest' and friends say nothing about the advice; blank them (same length)."""
        if self._markers is None:
            return norm
        return self._markers.sub(lambda m: " " * len(m.group()), norm)

    @staticmethod
    def _deferred_sentences(norm: str, clauses: list[Clause], markers: re.Pattern[str] | None) -> set[int]:
        if markers is None:
            return set()
        return {c.sentence for c in clauses if markers.search(norm, c.start, c.end)}

    def _inherit_from_approved_draft(
        self, text: str, user: str, principles: list[_Compiled], hits: dict[str, list[_Hit]]
    ) -> None:
        """Approving a quoted draft as it stands ("send it as it is") takes on that draft's violations."""
        if not user or self._endorsements is None:
            return
        norm = normalise(text)
        if not self._endorsements.search(norm) or _HEDGE.search(norm):
            return
        draft = _quoted_draft(clean(user))
        if not draft:
            return
        for principle_id, found in self._hits(draft, principles).items():
            carried = [
                _Hit(
                    h.principle,
                    False,
                    h.strength * 0.9,
                    Clause(0, len(text)),
                    "approves a draft that "
                    + h.how.replace("recommends", "does").replace("dismisses", "drops"),
                )
                for h in found
                if not h.honours
            ]
            if carried:
                hits.setdefault(principle_id, []).extend(carried)

    def _structural_checks(self, text: str, principles: list[_Compiled], hits: dict[str, list[_Hit]]) -> None:
        """A reply to a protégé with no question at all, and nothing else in its favour, is telling."""
        if "?" in text or any(h.honours for found in hits.values() for h in found):
            return
        norm = normalise(text)
        if not _TELLING.search(norm) and not _IMPERATIVE.search(norm):
            return  # nobody is being told what to do (a scene-setting line, advice about mentoring)
        for compiled in principles:
            p = compiled.principle
            if p.detector == "question_led" and p.id not in hits:
                hits[p.id] = [
                    _Hit(p, False, 0.6, Clause(0, len(text)), "asks no question at all, so it tells")
                ]

    async def ajudge(
        self, advice: str, skill: Skill | str | None, user: str = "", *, own_words: bool = False
    ) -> Judgement:
        return self.judge(advice, skill, user, own_words=own_words)

    # ---- matching ---------------------------------------------------------------------------
    def _negation_spans(self, norm: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        blocked = [m.span() for m in self._not_negations.finditer(norm)] if self._not_negations else []

        def free(span: tuple[int, int]) -> bool:
            return not any(b0 < span[1] and span[0] < b1 for b0, b1 in blocked)

        pre = [m.span() for m in self._negators.finditer(norm) if free(m.span())]
        if self._near_negators is not None:
            # "no" negates only what follows at once; marked by a negative start offset (decoded below).
            pre += [(-1 - m.start(), m.end()) for m in self._near_negators.finditer(norm) if free(m.span())]
        post = [m.span() for m in self._post_negators.finditer(norm) if free(m.span())]
        return pre, post

    def _polarity(
        self,
        norm: str,
        clause: Clause,
        start: int,
        end: int,
        negations: tuple[list[tuple[int, int]], list[tuple[int, int]]],
    ) -> int:
        pre, post = negations
        count = 0
        for n_start, n_end in pre:
            if n_start < 0:  # a near negator ("no big asks"): at most one word in between
                near_start = -1 - n_start
                if clause.start <= near_start < start and words_between(norm, n_end, start) <= 1:
                    count += 1
                continue
            # A negator may overlap the start of the behaviour ("doesn't have to be in your company").
            if clause.start <= n_start < start and words_between(norm, n_end, start) <= self._window:
                # "name what isn't working and ask how..." - a descriptive negation ends at "and".
                if _DESCRIPTIVE_NEGATOR.fullmatch(norm[n_start:n_end]) and _AND.search(norm, n_end, start):
                    continue
                count += 1
        for n_start, n_end in post:
            if n_start >= end and n_end <= clause.end and words_between(norm, end, n_start) <= self._window:
                count += 1
        return -1 if count % 2 else 1

    def _find(
        self,
        compiled: _Compiled,
        norm: str,
        clauses: list[Clause],
        starts: list[int],
        negations: tuple[list[tuple[int, int]], list[tuple[int, int]]],
        deferred: set[int],
        postponed: set[int],
        original: list[Clause],
    ) -> list[_Hit]:
        found: list[_Hit] = []
        for is_good, patterns in ((True, compiled.good), (False, compiled.bad)):
            for pattern in patterns:
                for match in pattern.finditer(norm):
                    if match.end() == match.start():
                        continue
                    index = bisect.bisect_right(starts, match.start()) - 1
                    if index < 0 or match.start() >= clauses[index].end:
                        continue
                    clause = clauses[index]
                    if clause.condition:
                        continue  # "if you overreact, ..." describes a situation; it recommends nothing
                    polarity = self._polarity(norm, clause, match.start(), match.end(), negations)
                    if is_good:
                        honours = polarity > 0
                        strength = 1.0 if honours else _NEGATED_GOOD
                        how = "recommends it" if honours else "dismisses what the guidance recommends"
                        if honours and compiled.principle.deferral_violates and clause.sentence in postponed:
                            honours, strength = False, _NEGATED_GOOD
                            how = "puts off what the guidance says to do first"
                    else:
                        if compiled.principle.questions_are_neutral and _is_question(norm, clause):
                            continue  # "Can you show me a comment that felt harsh?" asks; it doesn't react
                        honours = polarity < 0
                        strength = 1.0
                        how = (
                            "rules out what the guidance warns against"
                            if honours
                            else ("recommends what the guidance warns against")
                        )
                        if not honours and compiled.principle.deferrable and clause.sentence in deferred:
                            honours, how = True, "keeps the step for later, as the guidance suggests"
                    found.append(_Hit(compiled.principle, honours, strength, original[index], how))
        return found

    # ---- deciding ---------------------------------------------------------------------------
    def _decide(self, text: str, principles: list[_Compiled], hits: dict[str, list[_Hit]]) -> Judgement:
        raw = BASE
        results: list[PrincipleResult] = []
        for compiled in principles:
            p = compiled.principle
            found = hits.get(p.id, [])
            against = [h for h in found if not h.honours]
            support = [h for h in found if h.honours]
            if against:
                strongest = max(against, key=lambda h: h.strength)
                clauses = {h.clause for h in against}
                raw -= VIOLATION_COST * p.weight * strongest.strength * (1 + 0.25 * (len(clauses) - 1))
                raw += 0.25 * HONOUR_GAIN * p.weight * min(len({h.clause for h in support}), 2)
                results.append(
                    PrincipleResult(
                        p.id,
                        p.title,
                        "violated",
                        p.severity,
                        _span(text, strongest.clause),
                        f"{strongest.how.capitalize()}: {p.title}.",
                        p.better,
                    )
                )
            elif support:
                clauses = {h.clause for h in support}
                raw += HONOUR_GAIN * p.weight * min(len(clauses), 3)
                results.append(
                    PrincipleResult(
                        p.id,
                        p.title,
                        "honoured",
                        p.severity,
                        _span(text, support[0].clause),
                        f"{support[0].how.capitalize()}: {p.title}.",
                    )
                )
            else:
                results.append(
                    PrincipleResult(
                        p.id, p.title, "not_applicable", p.severity, "", "Not addressed by this text."
                    )
                )
        if not hits:
            raw = SILENT_BASE + self._lean(text)
        score = squash(raw)
        verdict = "contradicts" if score < 0.5 else "aligned"
        order = {"violated": 0, "honoured": 1, "not_applicable": 2}
        results.sort(key=lambda r: (order[r.status], -_weight(r.severity)))
        return Judgement(verdict, score, results, judge=self.name, rule_score=score)


_DIGIT = re.compile(r"\d")
_DESCRIPTIVE_NEGATOR = re.compile(
    r"(?:isn't|aren't|wasn't|weren't|is not|are not|was not|were not|not|doesn't|didn't|does not|did not|"
    r"can't|cannot|won't|will not|hasn't|haven't)"
)
_AND = re.compile(r"\s(?:and|but|so|then)\s")
_TELLING = re.compile(
    r"\b(?:you should|you need to|you must|you have to|you ought to|you'd better|here's what|here is what|"
    r"my advice is|what you do is|do it|take it|accept it)\b"
)
# A sentence that opens with an instruction ("Take the promotion.") is telling someone what to do.
_IMPERATIVE = re.compile(
    r"(?:^|[.!?]\s+)(?:just |simply )?(?:take|accept|apply|go|do|tell|send|quit|stop|start|update|write|"
    r"turn|join|leave|pick|choose|sign|book|email|call|don't)\b"
)
_HEDGE = re.compile(r"\b(?:but|however|though|although|except|change|replace|cut|instead|too)\b")
_QUOTED = re.compile(
    r"[\"\u201c\u2018']([^\"\u201d\u2019]{15,})[\"\u201d\u2019']|draft:\s*(.{15,})", re.S | re.I
)


def _quoted_draft(user: str) -> str:
    """The draft quoted in a user's message ("Here's my draft: '...'"), or ""."""
    found = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(user)]
    return max(found, key=len).strip(" '\"") if found else ""


def _is_question(norm: str, clause: Clause) -> bool:
    """The clause ends its sentence with a question mark."""
    tail = norm[clause.end : clause.end + 3]
    return norm[clause.start : clause.end].rstrip(" \"'").endswith("?") or tail.lstrip(" \"'").startswith("?")


def _weight(severity: str) -> float:
    return {"high": 3, "medium": 2, "low": 1}.get(severity, 0)


def _mask_outside(norm: str, clauses: list[Clause]) -> str:
    """Replace text between clauses with newlines so patterns (which use '.') never span two clauses."""
    chars = ["\n"] * len(norm)
    for clause in clauses:
        chars[clause.start : clause.end] = norm[clause.start : clause.end]
    return "".join(chars)


def _span(text: str, clause: Clause) -> str:
    span = " ".join(text[clause.start : clause.end].split()).strip(" ,;:-")
    return span if len(span) <= 240 else span[:237] + "..."
