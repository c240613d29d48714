"""Due dates from what people type: "next Friday", "in two weeks", "2026-12-03", "3 Dec".

Parsing is done by parsedatetime; this module decides what is safe to accept. Anything ambiguous
("3/4/2027", "Friday" said on a Friday, "next month"), vague ("soon") or already past raises
DateQuestion with a question to put to the user. A guess is never made silently.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from coach.tracker.errors import DateQuestion

_FILLER = {
    "by", "on", "before", "due", "until", "till", "the", "at", "no", "later", "than", "latest", "of",
    "this", "coming", "around", "deadline", "date", "is", "it's", "its", "be", "done", "for", "from",
}  # fmt: skip
_VAGUE = (
    "soon", "later", "sometime", "some time", "asap", "whenever", "eventually", "a few", "a couple",
    "several", "next week", "this week", "next month", "this month", "next year", "this year",
    "end of the week", "end of week", "weekend", "shortly", "tbd", "tba", "when possible", "when i can",
)  # fmt: skip
# A day named without a year that passed this recently is more likely a slip than next year.
RECENT_DAYS = 60
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$")
_END_OF_MONTH = re.compile(r"^(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(next\s+)?month$")
_RELATIVE = re.compile(
    r"^(?:in\s+)?(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d+)\s+"
    r"(?:day|days|week|weeks|month|months|fortnight|fortnights)(?:\s+from\s+(?:now|today))?$"
)
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_WEEKDAYS = [d.lower() for d in calendar.day_name]
_WEEKDAY_ABBR = {d[:3]: i for i, d in enumerate(_WEEKDAYS)} | {"tues": 1, "thur": 3, "thurs": 3}


def fmt(day: dt.date) -> str:
    """A date as people read it, with the weekday: 'Fri 4 Dec 2026'."""
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"


def parse_due(
    text: str | dt.date | None, today: dt.date | None = None, *, allow_past: bool = False
) -> dt.date:
    """Turn a typed due date into a date, or raise DateQuestion with what to ask.

    allow_past=True is for recording something that already happened (a session held yesterday):
    past dates are accepted, and a day named without a year means its nearest occurrence.
    """
    today = today or dt.date.today()
    if isinstance(text, dt.datetime):
        text = text.date()
    if isinstance(text, dt.date):
        return _not_past(text, today, allow_past)
    raw = " ".join((text or "").split())
    if not raw:
        raise DateQuestion("due date is missing: ask the user when the step will be done by")
    if len(raw) > 100:
        raise DateQuestion("the due date is too long to be a date: ask for one date, e.g. 2026-12-03")
    norm = _normalise(raw)

    iso = _ISO.match(norm)
    if iso:
        return _not_past(_make_date(raw, *map(int, iso.groups())), today, allow_past)
    numeric = _NUMERIC.match(norm)
    if numeric:
        return _numeric(raw, numeric, today, allow_past)
    end = _END_OF_MONTH.match(norm)
    if end:
        year, month = today.year, today.month
        if end.group(1):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    for vague in _VAGUE:
        if re.search(rf"\b{re.escape(vague)}\b", norm):
            example = fmt(today + dt.timedelta(days=7))
            raise DateQuestion(f"'{raw}' is not a specific day: ask the user which date (e.g. {example})")
    if norm in ("today", "tonight"):
        return today
    bare = _bare_weekday(norm)
    if bare is not None and bare == today.weekday():
        later = today + dt.timedelta(days=7)
        raise DateQuestion(
            f"today is {_WEEKDAYS[bare].title()}: ask whether '{raw}' means today ({fmt(today)}) "
            f"or {fmt(later)}",
            candidates=(today, later),
        )
    return _parse_words(raw, norm, today, allow_past)


def _normalise(raw: str) -> str:
    norm = raw.lower().strip(" .,;!")
    norm = _ORDINAL.sub(r"\1", norm)
    norm = re.sub(r"\b(\d{1,2}) of\b", r"\1", norm)  # "3 of december" -> "3 december"
    words = norm.split()
    while words and words[0] in ("by", "on", "before", "due", "until", "till", "no", "later", "than"):
        words = words[1:]
    return " ".join(words)


def _make_date(raw: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateQuestion(f"'{raw}' is not a real date: ask the user for the date again") from None


def _not_past(day: dt.date, today: dt.date, allow_past: bool) -> dt.date:
    if day >= today or allow_past:
        return day
    suggestion = _next_year(day)
    while suggestion < today:
        suggestion = _next_year(suggestion)
    raise DateQuestion(
        f"{fmt(day)} has already passed (today is {fmt(today)}): ask the user for a future date — "
        f"did they mean {fmt(suggestion)}?",
        candidates=(suggestion,),
    )


def _next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _numeric(raw: str, match: re.Match[str], today: dt.date, allow_past: bool) -> dt.date:
    first, second, year_text = int(match.group(1)), int(match.group(2)), match.group(3)
    if year_text is None:
        year, explicit = today.year, False
    else:
        year, explicit = (int(year_text) + 2000 if len(year_text) == 2 else int(year_text)), True
    options: list[dt.date] = []
    for day, month in ((first, second), (second, first)):  # day/month, then month/day
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate not in options:
            options.append(candidate)
    if not options:
        raise DateQuestion(f"'{raw}' is not a real date: ask the user for the date again")
    if len(options) > 1:
        raise DateQuestion(
            f"'{raw}' could be {fmt(options[0])} or {fmt(options[1])}: ask the user which one "
            "(writing 2026-12-03 avoids the doubt)",
            candidates=tuple(options),
        )
    chosen = options[0]
    if not explicit and chosen < today:
        return _yearless_past(chosen, _next_year(chosen), today, allow_past)
    return _not_past(chosen, today, allow_past)


def _yearless_past(this_year: dt.date, next_year: dt.date, today: dt.date, allow_past: bool) -> dt.date:
    """A day named without a year that has passed this year: recently passed is a slip (or, when
    recording the past, meant); long passed means next year."""
    if (today - this_year).days > RECENT_DAYS:
        return next_year
    if allow_past:
        return this_year
    raise DateQuestion(
        f"{fmt(this_year)} has already passed (today is {fmt(today)}): ask whether the user "
        f"means {fmt(next_year)} or a nearer date",
        candidates=(next_year,),
    )


def _bare_weekday(norm: str) -> int | None:
    words = [w for w in norm.split() if w not in _FILLER]
    if len(words) != 1:
        return None
    word = words[0]
    if word in _WEEKDAYS:
        return _WEEKDAYS.index(word)
    return _WEEKDAY_ABBR.get(word)


def _parse_words(raw: str, norm: str, today: dt.date, allow_past: bool) -> dt.date:
    import parsedatetime  # ~20 ms; only needed for typed phrases

    cal = parsedatetime.Calendar(version=parsedatetime.VERSION_CONTEXT_STYLE)
    source = dt.datetime.combine(today, dt.time(9, 0))
    found = cal.nlp(norm, sourceTime=source) or ()
    if not found:
        raise DateQuestion(
            f"could not read '{raw}' as a date: ask the user for a date such as "
            f"{today + dt.timedelta(14):%Y-%m-%d}, 'next Friday' or 'in two weeks'"
        )
    if len({when.date() for when, *_ in found}) > 1:
        days = " or ".join(fmt(when.date()) for when, *_ in found)
        raise DateQuestion(f"'{raw}' names more than one date ({days}): ask the user which one")
    when, context, start, end, _ = found[0]
    leftover = [w for w in (norm[:start] + " " + norm[end:]).split() if w not in _FILLER]
    if leftover:
        raise DateQuestion(
            f"could not read all of '{raw}' as a date ('{' '.join(leftover)}' is unclear): "
            "ask the user for the date again"
        )
    if not (context.hasDate and (context.accuracy & context.ACU_DAY or _RELATIVE.match(norm))):
        raise DateQuestion(f"'{raw}' is not a specific day: ask the user which date")
    day = when.date()
    explicit_year = bool(re.search(r"\b\d{4}\b", norm))
    if not explicit_year and day.year > today.year and not _RELATIVE.match(norm):
        this_year = _same_day_in(day, today.year)
        if this_year is not None and this_year < today:
            return _yearless_past(this_year, day, today, allow_past)
    return _not_past(day, today, allow_past)


def _same_day_in(day: dt.date, year: int) -> dt.date | None:
    try:
        return day.replace(year=year)
    except ValueError:
        return None
