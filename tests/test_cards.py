"""Guidance cards and the retrieval query set: format, coverage, attribution and a copy guard."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from coach.knowledge.cards import load_cards, load_sources, parse_card
from coach.skills import AUDIENCES, Skill

REPO = Path(__file__).resolve().parents[1]
CARDS_DIR = REPO / "knowledge" / "cards"
SOURCES_FILE = REPO / "knowledge" / "sources.toml"
QUERIES_FILE = REPO / "evals" / "retrieval" / "queries.jsonl"
SEEDS_DIR = REPO.parent / "shared" / "seeds"

MIN_WORDS, MAX_WORDS = 60, 200
MIN_ASKS, MAX_ASKS = 4, 8
MIN_ASK_WORDS, MAX_ASK_WORDS = 3, 25
COPY_RUN = 8  # words in a row shared with an article count as copying
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Terminal escapes or other control characters must never reach the user through a citation.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def raw_cards() -> list[tuple[Path, dict, str]]:
    """Each card file parsed independently of the loader's validation."""
    return [
        (path, *parse_card(path.read_text(encoding="utf-8"), path=path))
        for path in sorted(CARDS_DIR.glob("*.md"))
    ]


def words(text: str) -> list[str]:
    """Lower-cased words with punctuation stripped; apostrophes vanish so "don't" == "dont"."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    return re.findall(r"\w+", text)


def normalised(text: str) -> str:
    """Case, punctuation and spacing removed, so near-identical phrasings compare equal."""
    return " ".join(words(text))


def runs(tokens: list[str], n: int = COPY_RUN) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def copied_runs(text: str, seed_runs: set[tuple[str, ...]]) -> list[str]:
    return sorted(" ".join(run) for run in runs(words(text)) & seed_runs)


@pytest.fixture(scope="module")
def seed_runs() -> set[tuple[str, ...]]:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS_DIR}; the copy guard needs ../shared/seeds")
    found: set[tuple[str, ...]] = set()
    for path in SEEDS_DIR.glob("*.txt"):
        found |= runs(words(path.read_text(encoding="utf-8", errors="replace")))
    assert found, f"no seed text read from {SEEDS_DIR}"
    return found


def load_queries() -> list[dict]:
    lines = QUERIES_FILE.read_text(encoding="utf-8").splitlines()
    queries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            queries.append(json.loads(line))
        except json.JSONDecodeError as exc:
            pytest.fail(f"{QUERIES_FILE.name} line {number} is not JSON: {exc}")
    return queries


# --- cards -----------------------------------------------------------------------------------


def test_all_cards_load_through_the_loader() -> None:
    cards = load_cards()
    assert len(cards) == len(list(CARDS_DIR.glob("*.md")))
    assert len(cards) >= 40, "the five articles hold more than 40 distinct pieces of advice"
    assert all(card.citations for card in cards)


def test_ids_are_unique_kebab_case_and_match_file_names() -> None:
    ids = [meta.get("id") for _, meta, _ in raw_cards()]
    duplicates = [cid for cid, count in Counter(ids).items() if count > 1]
    assert not duplicates, f"duplicate card ids: {duplicates}"
    for path, meta, _ in raw_cards():
        assert meta.get("id") == path.stem, f"{path.name}: id {meta.get('id')!r} differs from file name"
        assert ID_PATTERN.match(path.stem), f"{path.name}: id must be kebab-case"


def test_titles_are_unique_and_specific() -> None:
    titles = [meta.get("title", "") for _, meta, _ in raw_cards()]
    duplicates = [t for t, count in Counter(titles).items() if count > 1]
    assert not duplicates, f"duplicate titles: {duplicates}"
    short = [t for t in titles if len(t.split()) < 4]
    assert not short, f"titles too vague to cite: {short}"


def test_front_matter_has_exactly_the_documented_keys() -> None:
    expected = {"id", "title", "skills", "audience", "sources", "asks"}
    for path, meta, _ in raw_cards():
        assert set(meta) == expected, f"{path.name}: keys {sorted(meta)}, expected {sorted(expected)}"


def test_skills_and_audience_are_valid() -> None:
    valid_skills = {skill.value for skill in Skill}
    for path, meta, _ in raw_cards():
        skills = meta["skills"]
        assert skills and isinstance(skills, list), f"{path.name}: skills must be a non-empty list"
        assert set(skills) <= valid_skills, f"{path.name}: unknown skills {set(skills) - valid_skills}"
        assert len(skills) == len(set(skills)), f"{path.name}: repeated skill"
        assert meta["audience"] in AUDIENCES, f"{path.name}: audience {meta['audience']!r}"


def test_every_source_id_exists() -> None:
    entries = tomllib.loads(SOURCES_FILE.read_text(encoding="utf-8"))["source"]
    known = {entry["id"] for entry in entries}
    for path, meta, _ in raw_cards():
        assert meta["sources"], f"{path.name}: cites no source"
        unknown = set(meta["sources"]) - known
        assert not unknown, f"{path.name}: unknown source ids {unknown}"


def test_sources_file_lists_five_articles_with_their_seed_files() -> None:
    sources = load_sources()
    assert len(sources) == 5
    if SEEDS_DIR.is_dir():
        for source in sources.values():
            assert (SEEDS_DIR / str(source.seed)).is_file(), f"{source.id}: seed {source.seed} not found"


def test_every_article_is_cited() -> None:
    cited = Counter(s for _, meta, _ in raw_cards() for s in meta["sources"])
    for source_id in load_sources():
        assert cited[source_id] >= 3, f"article {source_id!r} is cited by only {cited[source_id]} cards"


def test_every_skill_has_at_least_three_cards() -> None:
    per_skill = Counter(s for _, meta, _ in raw_cards() for s in meta["skills"])
    for skill in Skill:
        assert per_skill[skill.value] >= 3, f"skill {skill.value!r} has {per_skill[skill.value]} cards"


def test_mentor_practice_is_served_by_cards_written_for_mentors() -> None:
    for_mentors = [
        meta["id"]
        for _, meta, _ in raw_cards()
        if "mentor_practice" in meta["skills"] and meta["audience"] != "protege"
    ]
    assert len(for_mentors) >= 5, for_mentors


@pytest.mark.parametrize("path", sorted(CARDS_DIR.glob("*.md")), ids=lambda p: p.stem)
def test_body_length_is_within_bounds(path: Path) -> None:
    _, body = parse_card(path.read_text(encoding="utf-8"), path=path)
    count = len(body.split())
    assert MIN_WORDS <= count <= MAX_WORDS, f"{path.name}: body has {count} words ({MIN_WORDS}-{MAX_WORDS})"


def test_cards_hold_no_control_characters() -> None:
    for path in CARDS_DIR.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert not CONTROL_CHARS.search(text), f"{path.name}: contains a control or escape character"


def test_no_card_copies_a_run_of_words_from_an_article(seed_runs: set[tuple[str, ...]]) -> None:
    offenders = {}
    for path, meta, body in raw_cards():
        copied = copied_runs(f"{meta['title']}\n{body}", seed_runs)
        if copied:
            offenders[path.name] = copied
    assert not offenders, f"cards copy {COPY_RUN}+ word runs from the articles: {offenders}"


def test_copy_guard_catches_a_copied_sentence(seed_runs: set[tuple[str, ...]]) -> None:
    # The guard itself must be able to fail: a sentence lifted from an article (with changed case and
    # punctuation) is caught, and a paraphrase of the same advice is not.
    lifted = "Each Meeting should end with the mentee identifying at least three next-steps!"
    paraphrase = "Close every session with the mentee naming three or more dated, measurable next steps."
    assert copied_runs(lifted, seed_runs)
    assert not copied_runs(paraphrase, seed_runs)


# --- asks: user phrasings indexed with each card ----------------------------------------------


def all_asks() -> list[tuple[str, str]]:
    """(card file name, ask) for every ask of every card."""
    return [(path.name, ask) for path, meta, _ in raw_cards() for ask in meta.get("asks", [])]


def test_every_card_has_a_handful_of_asks_of_sensible_length() -> None:
    for path, meta, _ in raw_cards():
        asks = meta.get("asks")
        assert isinstance(asks, list), f"{path.name}: asks must be a list of strings"
        assert MIN_ASKS <= len(asks) <= MAX_ASKS, f"{path.name}: {len(asks)} asks ({MIN_ASKS}-{MAX_ASKS})"
        for ask in asks:
            assert isinstance(ask, str), f"{path.name}: ask {ask!r} is not a string"
            count = len(ask.split())
            assert MIN_ASK_WORDS <= count <= MAX_ASK_WORDS, f"{path.name}: {ask!r} has {count} words"
            assert not CONTROL_CHARS.search(ask), f"{path.name}: ask {ask!r} holds a control character"


def test_asks_reach_the_loaded_card_model() -> None:
    for card in load_cards():
        assert MIN_ASKS <= len(card.asks) <= MAX_ASKS, f"{card.id}: the loader lost its asks"


def test_no_ask_repeats_within_or_across_cards() -> None:
    owners: dict[str, list[str]] = {}
    for name, ask in all_asks():
        owners.setdefault(normalised(ask), []).append(name)
    repeated = {ask: names for ask, names in owners.items() if len(names) > 1}
    assert not repeated, f"asks must point at exactly one card: {repeated}"


def test_no_ask_just_restates_a_card_title() -> None:
    titles = {normalised(card.title) for card in load_cards()}
    echoed = [(name, ask) for name, ask in all_asks() if normalised(ask) in titles]
    assert not echoed, f"asks that are only a card title: {echoed}"


def test_no_ask_copies_a_run_of_words_from_an_article(seed_runs: set[tuple[str, ...]]) -> None:
    offenders = [(name, ask) for name, ask in all_asks() if copied_runs(ask, seed_runs)]
    assert not offenders, f"asks copied from the articles: {offenders}"


def test_no_ask_is_an_eval_query() -> None:
    # Asks are indexed with the cards, so an ask equal to an eval query would let retrieval pass the
    # eval by string match rather than by understanding; the eval must measure unseen phrasings.
    queries = {normalised(q["query"]) for q in load_queries()}
    assert queries, f"no queries read from {QUERIES_FILE}"
    leaked = [(name, ask) for name, ask in all_asks() if normalised(ask) in queries]
    assert not leaked, f"asks identical to eval queries (case and punctuation ignored): {leaked}"


# --- retrieval query set --------------------------------------------------------------------


def test_query_set_is_large_and_well_formed() -> None:
    queries = load_queries()
    assert len(queries) >= 60, f"only {len(queries)} queries"
    ids = [q.get("id") for q in queries]
    assert len(ids) == len(set(ids)), "query ids repeat"
    valid_skills = {skill.value for skill in Skill}
    for query in queries:
        assert set(query) == {"id", "query", "relevant", "skill"}, query
        assert query["query"].strip(), f"{query['id']}: empty query"
        assert query["skill"] in valid_skills, f"{query['id']}: unknown skill {query['skill']!r}"
        assert isinstance(query["relevant"], list) and 1 <= len(query["relevant"]) <= 3, query["id"]


def test_every_relevant_card_exists() -> None:
    known = {card.id for card in load_cards()}
    for query in load_queries():
        missing = set(query["relevant"]) - known
        assert not missing, f"{query['id']}: relevant card(s) {missing} do not exist"


def test_queries_cover_every_skill_and_most_cards() -> None:
    queries = load_queries()
    per_skill = Counter(q["skill"] for q in queries)
    for skill in Skill:
        assert per_skill[skill.value] >= 5, f"skill {skill.value!r} has {per_skill[skill.value]} queries"
    covered = {cid for q in queries for cid in q["relevant"]}
    all_ids = {card.id for card in load_cards()}
    assert len(covered) >= 0.75 * len(all_ids), f"queries reach {len(covered)} of {len(all_ids)} cards"


def test_queries_do_not_simply_repeat_card_titles() -> None:
    titles = {" ".join(words(card.title)) for card in load_cards()}
    echoed = [q["id"] for q in load_queries() if " ".join(words(q["query"])) in titles]
    assert not echoed, f"queries that are just a card title: {echoed}"
