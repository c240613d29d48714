"""The user's library: add, remove, list and re-index documents alongside the built-in cards.

Every operation checks all its input before touching the index, and the index change itself is all or
nothing (see coach.knowledge.index), so a refused or failed command leaves the library as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.knowledge.documents import Chunk, Document, document_chunks, expand_paths, read_document
from coach.knowledge.errors import DocumentError
from coach.knowledge.index import Progress, SyncReport
from coach.knowledge.registry import RegisteredDocument, Registry
from coach.knowledge.retrieval import Retriever, all_card_chunks

if TYPE_CHECKING:
    from coach.config import Settings
    from coach.knowledge.embeddings import Embedder


@dataclass(frozen=True)
class LibraryReport:
    sync: SyncReport
    documents: list[Document] = field(default_factory=list)
    dropped: list[Path] = field(default_factory=list)  # registered files that no longer exist


class Library:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        client: Any | None = None,
        cards_dir: Path | None = None,
        progress: Progress | None = None,
    ) -> None:
        if settings is None:
            from coach.config import Settings

            settings = Settings()
        self.settings = settings
        self.registry = Registry(settings.data_dir / "knowledge.db")
        self.retriever = Retriever.open(
            settings, embedder=embedder, client=client, cards_dir=cards_dir, progress=progress
        )
        self.cards_dir = cards_dir

    @property
    def store(self) -> Any:
        return self.retriever.store

    def close(self) -> None:
        self.registry.close()

    def documents(self) -> list[RegisteredDocument]:
        return self.registry.documents()

    def card_count(self) -> int:
        return sum(
            1 for m in self.retriever.stored().metadatas if m.get("kind") == "card" and m.get("role") != "ask"
        )

    def add(self, paths: Iterable[str | Path], *, progress: Progress | None = None) -> LibraryReport:
        """Index files (or directories of them). Every file is read and checked before anything changes."""
        return self.add_documents(load_documents(paths), progress=progress)

    def add_documents(self, documents: list[Document], *, progress: Progress | None = None) -> LibraryReport:
        chunks = [chunk for doc in documents for chunk in document_chunks(doc)]
        sources = {doc.source_id for doc in documents}
        report = self.store.sync(
            chunks, lambda m: m.get("source_id") in sources, origin=self.registry.origin(), progress=progress
        )
        self.registry.replace(_rows(documents, chunks), removed=[])
        self.retriever.refresh()
        return LibraryReport(report, documents)

    def remove(self, path: str | Path) -> RegisteredDocument:
        entry = self._find(path)
        source_id = entry.source_id
        self.store.sync([], lambda m: m.get("source_id") == source_id)
        self.registry.replace([], removed=[entry.source_id])
        self.retriever.refresh()
        return entry

    def reindex(self, *, progress: Progress | None = None) -> LibraryReport:
        """Re-read the cards and every added file: changed passages are re-embedded, removed files dropped."""
        present: list[Document] = []
        dropped: list[RegisteredDocument] = []
        for entry in self.registry.documents():
            if entry.path.exists():
                present.append(read_document(entry.path))
            else:
                dropped.append(entry)
        chunks = all_card_chunks(self.cards_dir) + [c for doc in present for c in document_chunks(doc)]
        origin = self.registry.origin()

        def owns(meta: dict[str, Any]) -> bool:
            return meta.get("kind") == "card" or meta.get("origin") == origin

        report = self.store.sync(chunks, owns, origin=origin, progress=progress)
        self.registry.replace(_rows(present, chunks), removed=[d.source_id for d in dropped])
        self.retriever.refresh()
        return LibraryReport(report, present, [d.path for d in dropped])

    def _find(self, path: str | Path) -> RegisteredDocument:
        candidate = Path(path).expanduser()
        for key in (candidate.resolve(), candidate.absolute()):
            entry = self.registry.find(key)
            if entry is not None:
                return entry
        raise DocumentError(f"{path}: not in your library (`coach knowledge list` shows what is)")


def load_documents(paths: Iterable[str | Path]) -> list[Document]:
    """Read and check every file first, so one bad file refuses the whole command before any change."""
    return [read_document(path) for path in expand_paths(paths)]


def _rows(documents: list[Document], chunks: list[Chunk]) -> list[tuple[str, Path, str, int]]:
    counts = Counter(c.source_id for c in chunks)
    return [(d.source_id, d.path, d.title, counts[d.source_id]) for d in documents]
