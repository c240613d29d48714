"""`coach eval retrieval`: how often the guidance a question needs is retrieved.

Reads evals/retrieval/queries.jsonl (one JSON object a line: id, query, relevant card ids, skill) and searches
a fresh index of the built-in cards (the user's own documents are left out, so results are comparable).

Metrics, over all queries:
- recall@1, recall@k: share of queries with a relevant card among the top 1 / top k passages;
- MRR: mean of 1 / rank of the first relevant card (0 when none is in the top 10).
By default each query is searched with its skill as a filter, as the coach does; `--no-skill-filter` searches
the whole library.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

MRR_DEPTH = 10
TARGET_RECALL_AT_3 = 0.9


class QuerySetError(ValueError):
    pass


@dataclass(frozen=True)
class EvalQuery:
    id: str
    query: str
    relevant: tuple[str, ...]
    skill: str | None = None


@dataclass
class Miss:
    id: str
    query: str
    relevant: list[str]
    retrieved: list[str]
    rank: int | None  # rank of the first relevant card within MRR_DEPTH, if any


@dataclass
class RetrievalReport:
    queries: int
    k: int
    skill_filter: bool
    recall_at_1: float
    recall_at_k: float
    mrr: float
    per_skill: dict[str, dict[str, float]] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data[f"recall_at_{self.k}"] = data.pop("recall_at_k")
        return data


def default_queries_path() -> Path:
    from coach.resources import evals_dir

    return evals_dir() / "retrieval" / "queries.jsonl"


def load_queries(path: Path, known_cards: set[str] | None = None) -> list[EvalQuery]:
    """Parse and check the query set; errors name the line."""
    if not path.is_file():
        raise QuerySetError(f"{path}: query set not found")
    queries: list[EvalQuery] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            query = EvalQuery(
                id=str(row["id"]),
                query=str(row["query"]),
                relevant=tuple(row["relevant"]),
                skill=row.get("skill") or None,
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise QuerySetError(f"{path}:{number}: not a valid query line ({exc})") from exc
        if not query.relevant:
            raise QuerySetError(f"{path}:{number}: 'relevant' is empty")
        if query.id in seen:
            raise QuerySetError(f"{path}:{number}: duplicate id {query.id!r}")
        unknown = [c for c in query.relevant if known_cards is not None and c not in known_cards]
        if unknown:
            raise QuerySetError(f"{path}:{number}: unknown card id(s) {unknown}")
        seen.add(query.id)
        queries.append(query)
    if not queries:
        raise QuerySetError(f"{path}: no queries")
    return queries


def evaluate(
    retriever: Any, queries: list[EvalQuery], *, k: int = 3, skill_filter: bool = True
) -> RetrievalReport:
    hits_1 = hits_k = 0
    reciprocal = 0.0
    misses: list[Miss] = []
    by_skill: dict[str, list[tuple[bool, bool, float]]] = {}
    for q in queries:
        passages = retriever.search(q.query, k=max(k, MRR_DEPTH), skill=q.skill if skill_filter else None)
        ranked: list[str] = []
        for p in passages:  # several passages may come from one card; rank cards, not passages
            if p.card_id and p.card_id not in ranked:
                ranked.append(p.card_id)
        rank = next((i + 1 for i, card in enumerate(ranked) if card in q.relevant), None)
        hit_1 = rank == 1
        hit_k = rank is not None and rank <= k
        rr = 1.0 / rank if rank else 0.0
        hits_1 += hit_1
        hits_k += hit_k
        reciprocal += rr
        by_skill.setdefault(q.skill or "(none)", []).append((hit_1, hit_k, rr))
        if not hit_k:
            misses.append(Miss(q.id, q.query, list(q.relevant), ranked[:k], rank))
    n = len(queries)
    per_skill = {
        skill: {
            "queries": len(rows),
            "recall_at_1": round(sum(r[0] for r in rows) / len(rows), 4),
            f"recall_at_{k}": round(sum(r[1] for r in rows) / len(rows), 4),
            "mrr": round(sum(r[2] for r in rows) / len(rows), 4),
        }
        for skill, rows in sorted(by_skill.items())
    }
    return RetrievalReport(
        queries=n,
        k=k,
        skill_filter=skill_filter,
        recall_at_1=round(hits_1 / n, 4),
        recall_at_k=round(hits_k / n, 4),
        mrr=round(reciprocal / n, 4),
        per_skill=per_skill,
        misses=misses,
    )


def open_card_retriever(settings: Any = None) -> Any:
    """A retriever over the built-in cards only, in an in-memory chromadb (nothing written to disk)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from coach.knowledge.retrieval import Retriever

    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    return Retriever.open(settings, client=client)


@click.command("retrieval")
@click.option(
    "--k", "k", type=click.IntRange(1, MRR_DEPTH), default=3, show_default=True, help="Cut-off for recall@k."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.option(
    "--no-skill-filter", is_flag=True, help="Search the whole library instead of the query's skill."
)
@click.option("--queries", "queries_path", type=click.Path(path_type=Path), help="Another query set (JSONL).")
@click.option(
    "--min-recall",
    type=click.FloatRange(0, 1),
    default=None,
    help=f"Exit with status 1 if recall@k is below this (CI uses {TARGET_RECALL_AT_3} at k=3).",
)
def retrieval_cmd(
    k: int, as_json: bool, no_skill_filter: bool, queries_path: Path | None, min_recall: float | None
) -> None:
    """Retrieval quality on the query set: recall@1, recall@k and MRR, and the misses."""
    from coach.knowledge.cards import cards_by_id
    from coach.knowledge.errors import KnowledgeError

    try:
        queries = load_queries(queries_path or default_queries_path(), set(cards_by_id()))
        report = evaluate(open_card_retriever(), queries, k=k, skill_filter=not no_skill_filter)
    except (QuerySetError, KnowledgeError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print(report)
    if min_recall is not None and report.recall_at_k < min_recall:
        raise click.ClickException(
            f"recall@{k} {report.recall_at_k:.3f} is below the required {min_recall:.3f}"
        )


def _print(report: RetrievalReport) -> None:
    k = report.k
    mode = "with the query's skill as filter" if report.skill_filter else "without skill filter"
    click.echo(f"{report.queries} queries, {mode}")
    click.echo(f"recall@1  {report.recall_at_1:.3f}")
    click.echo(f"recall@{k}  {report.recall_at_k:.3f}")
    click.echo(f"MRR       {report.mrr:.3f}")
    click.echo("")
    click.echo(f"{'skill':<16} {'n':>4} {'r@1':>6} {f'r@{k}':>6} {'MRR':>6}")
    for skill, row in report.per_skill.items():
        n, r1, rk, mrr = row["queries"], row["recall_at_1"], row[f"recall_at_{k}"], row["mrr"]
        click.echo(f"{skill:<16} {n:>4} {r1:>6.3f} {rk:>6.3f} {mrr:>6.3f}")
    if report.misses:
        click.echo("")
        click.echo(f"misses (no relevant card in the top {k}):")
        for miss in report.misses:
            where = f"rank {miss.rank}" if miss.rank else f"not in top {MRR_DEPTH}"
            click.echo(f"  {miss.id}: {miss.query}")
            click.echo(f"      wanted {', '.join(miss.relevant)} ({where}); got {', '.join(miss.retrieved)}")
