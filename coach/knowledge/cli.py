"""`coach knowledge`: add, list, remove and re-index documents; search the guidance with citations.

Heavy imports (chromadb, the embedding model) happen inside the commands, never at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from coach.skills import AUDIENCES, Skill

if TYPE_CHECKING:
    from coach.knowledge.library import Library

PROGRESS_THRESHOLD = 16  # chunks to embed before a progress bar is worth showing


@contextmanager
def _errors() -> Iterator[None]:
    """Known problems become a one-line message and exit status 1 (no traceback)."""
    from coach.db import DatabaseError
    from coach.knowledge.cards import CardFormatError
    from coach.knowledge.errors import KnowledgeError

    try:
        yield
    except (KnowledgeError, DatabaseError, CardFormatError) as exc:
        raise click.ClickException(_safe(str(exc))) from exc


def _safe(text: object) -> str:
    """File names and titles come from the user's files: never let them drive the terminal."""
    from coach.knowledge.cleaner import strip_control

    return strip_control(str(text))


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr, shown only once there is enough work to watch."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar: Progress | None = None
    task = None

    def update(done: int, total: int) -> None:
        nonlocal bar, task
        if total <= PROGRESS_THRESHOLD:
            return
        if bar is None:
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done, total=total)  # type: ignore[arg-type]

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def _open_library(progress: Callable[[int, int], None] | None = None) -> Library:
    from coach.knowledge.library import Library

    return Library(progress=progress)


@click.group()
def knowledge() -> None:
    """The guidance library: built-in cards plus your own documents (Markdown, text, HTML)."""


@knowledge.command("add")
@click.argument("paths", nargs=-1, required=True)
def add_cmd(paths: tuple[str, ...]) -> None:
    """Add files or directories to your library (web pages are cleaned of comments and page chrome)."""
    from coach.knowledge.library import load_documents

    with _errors(), _progress("Embedding passages") as progress:
        documents = load_documents(paths)  # refuse bad input before the index is opened
        report = _open_library(progress).add_documents(documents, progress=progress)
    for doc in report.documents:
        click.echo(_safe(f"added: {doc.title} ({doc.path})"))
    s = report.sync
    click.echo(
        f"{len(report.documents)} document(s): {s.added} new passage(s) embedded, {s.unchanged} unchanged."
    )


@knowledge.command("remove")
@click.argument("path")
def remove_cmd(path: str) -> None:
    """Remove a document from your library (the file itself is not touched)."""
    with _errors(), _progress("Indexing the guidance cards") as progress:
        entry = _open_library(progress).remove(path)
    click.echo(_safe(f"removed: {entry.title} ({entry.path})"))


@knowledge.command("reindex")
def reindex_cmd() -> None:
    """Re-read the cards and your documents: changed passages are re-embedded, deleted files dropped."""
    with _errors(), _progress("Embedding passages") as progress:
        report = _open_library(progress).reindex(progress=progress)
    for path in report.dropped:
        click.echo(_safe(f"dropped (file no longer exists): {path}"))
    s = report.sync
    click.echo(f"reindexed: {s.added} passage(s) embedded, {s.removed} removed, {s.unchanged} unchanged.")


@knowledge.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(as_json: bool) -> None:
    """List the documents you added (the built-in cards are always included)."""
    with _errors(), _progress("Indexing the guidance cards") as progress:
        library = _open_library(progress)
        documents = library.documents()
        cards = library.card_count()
    if as_json:
        rows = [
            {"path": str(d.path), "title": d.title, "chunks": d.chunks, "indexed_at": d.indexed_at}
            for d in documents
        ]
        click.echo(json.dumps({"cards": cards, "documents": rows}, indent=2, ensure_ascii=False))
        return
    click.echo(f"{cards} built-in guidance card(s)")
    if not documents:
        click.echo("no documents added yet: `coach knowledge add PATH` adds Markdown, text or HTML files")
    for d in documents:
        missing = "" if d.path.exists() else "  [file missing: run `coach knowledge reindex`]"
        click.echo(_safe(f"{d.title}  ({d.path}, {d.chunks} passage(s)){missing}"))


@knowledge.command("search")
@click.argument("query")
@click.option(
    "--skill", "-s", type=click.Choice([s.value for s in Skill]), help="Only guidance for this skill."
)
@click.option("--audience", "-a", type=click.Choice(list(AUDIENCES)), help="Only guidance for this audience.")
@click.option("-k", "k", type=click.IntRange(1, 50), default=5, show_default=True, help="How many passages.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def search_cmd(query: str, skill: str | None, audience: str | None, k: int, as_json: bool) -> None:
    """Search the guidance; prints ranked passages with their citations."""
    from coach.knowledge.retrieval import check_query

    with _errors():
        check_query(query)  # refuse a bad query before paying for the model and the index
        with _progress("Indexing the guidance cards") as progress:  # first run only
            library = _open_library(progress)
        passages = library.retriever.search(query, k=k, skill=skill, audience=audience)
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in passages], indent=2, ensure_ascii=False))
        return
    if not passages:
        click.echo("no matching guidance")
        return
    for rank, p in enumerate(passages, 1):
        label = f"[{p.card_id}]" if p.card_id else "[your document]"
        click.echo(_safe(f"{rank}. {p.title} {label}  score {p.score:.4f}"))
        click.echo(_safe(f"   source: {p.citation}"))
        for line in p.text.splitlines():
            click.echo(_safe(f"   {line}") if line.strip() else "")
        click.echo("")
