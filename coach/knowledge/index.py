"""The vector store (chromadb) and incremental, all-or-nothing indexing.

Collections are created with `embedding_function=None` and every add and query passes vectors computed
by coach's own embedder: chromadb's default embedder would try to download a model, and a custom one
would have to be registered for the collection to reopen. The collection name carries the embedder's name,
so switching between MiniLM and OpenAI embeddings never mixes two vector spaces.

Indexing: the wanted chunks are compared with the stored ones by id (ids carry content hashes); only new
chunks are embedded. Everything is embedded before anything is written; then new chunks are added and
stale ones deleted. If any step fails, the chunks added in this run are deleted again, so the previous
index keeps answering exactly as before.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from coach.knowledge.documents import ALL_SKILLS, Chunk
from coach.knowledge.embeddings import Embedder, EmbeddingError
from coach.knowledge.errors import IndexingError, StoreError

if TYPE_CHECKING:
    from coach.config import Settings

Progress = Callable[[int, int], None]  # (done, total) chunks embedded
EMBED_BATCH = 64


def make_client(settings: Settings) -> Any:
    """A chromadb client: HttpClient for COACH_CHROMA_URL, else a PersistentClient in the data dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(
            settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}"
        )
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(
                f"COACH_CHROMA_URL={settings.chroma_url!r} is not an http(s) URL like http://host:8000"
            )
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({exc}). "
                "Check that it is running, or unset COACH_CHROMA_URL to use the local index."
            ) from exc
    path = settings.chroma_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise StoreError(
            f"the local index in {path} cannot be opened ({exc}). Move that directory aside and run "
            "`coach knowledge reindex` to rebuild it."
        ) from exc


def collection_name(embedder: Embedder) -> str:
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", embedder.name).strip("-._")
    return f"coach-{slug}"[:60]


def chunk_metadata(chunk: Chunk, origin: str) -> dict[str, str | int | bool]:
    meta: dict[str, str | int | bool] = {
        "kind": chunk.kind,
        "source_id": chunk.source_id,
        "card_id": chunk.card_id,
        "title": chunk.title,
        "citation": chunk.citation,
        "skills": ",".join(chunk.skills),
        "audience": chunk.audience,
        "position": chunk.position,
        "path": chunk.path,
        "heading": chunk.heading,
        "origin": origin if chunk.kind == "document" else "",
        "role": chunk.role,
        "parent": chunk.parent,
        "passage": chunk.text if chunk.role == "passage" else "",
    }
    # chromadb filters scalars only, so each skill is a boolean flag.
    for skill in ALL_SKILLS:
        meta[f"skill_{skill}"] = skill in chunk.skills
    return meta


def stored_document(chunk: Chunk) -> str:
    """The text kept in chromadb: what the lexical side indexes (for an ask vector, the ask itself)."""
    return chunk.ask if chunk.role == "ask" else chunk.lexical_text


@dataclass(frozen=True)
class SyncReport:
    added: int
    removed: int
    unchanged: int


@dataclass
class StoredChunks:
    ids: list[str]
    documents: list[str]  # see stored_document()
    metadatas: list[dict[str, Any]]


class KnowledgeStore:
    def __init__(self, settings: Settings, embedder: Embedder, *, client: Any | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = client if client is not None else make_client(settings)
        self.name = collection_name(embedder)
        try:
            self.collection = self.client.get_or_create_collection(
                self.name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": embedder.name},
            )
        except Exception as exc:
            where = self.settings.chroma_url or str(self.settings.chroma_dir)
            raise StoreError(
                f"cannot open the knowledge collection {self.name!r} in {where} ({exc})"
            ) from exc

    def load(self) -> StoredChunks:
        """Every stored chunk (ids, texts, metadata), paged so large collections stay within limits."""
        ids: list[str] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        page = 5000
        offset = 0
        while True:
            try:
                got = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            except Exception as exc:
                raise StoreError(f"cannot read the knowledge collection ({exc})") from exc
            ids.extend(got["ids"])
            documents.extend(d or "" for d in got["documents"] or [])
            metadatas.extend(dict(m or {}) for m in got["metadatas"] or [])
            if len(got["ids"]) < page:
                break
            offset += page
        return StoredChunks(ids, documents, metadatas)

    def sync(
        self,
        wanted: Iterable[Chunk],
        owns: Callable[[dict[str, Any]], bool],
        *,
        origin: str = "",
        progress: Progress | None = None,
        stored: StoredChunks | None = None,
    ) -> SyncReport:
        """Make the stored chunks for which `owns(metadata)` holds equal to `wanted`. All or nothing."""
        wanted_by_id = {c.chunk_id: c for c in wanted}
        stored = stored if stored is not None else self.load()
        present = set(stored.ids)
        owned = {i for i, m in zip(stored.ids, stored.metadatas, strict=True) if owns(m)}
        to_add = [c for cid, c in wanted_by_id.items() if cid not in present]
        to_remove = sorted(owned - set(wanted_by_id))
        if not to_add and not to_remove:
            return SyncReport(0, 0, len(wanted_by_id))
        vectors = self._embed([c.embed_text for c in to_add], progress)
        added: list[str] = []
        try:
            batch = max(1, min(self._max_batch(), 1000))
            for start in range(0, len(to_add), batch):
                part = to_add[start : start + batch]
                # Recorded before the call: a call that fails may still have written some rows.
                added.extend(c.chunk_id for c in part)
                # upsert: ids are content hashes, so a concurrent first run writing the same ids is harmless
                self.collection.upsert(
                    ids=[c.chunk_id for c in part],
                    embeddings=vectors[start : start + batch],
                    documents=[stored_document(c) for c in part],
                    metadatas=[chunk_metadata(c, origin) for c in part],
                )
            if to_remove:
                self.collection.delete(ids=to_remove)
        except Exception as exc:
            self._undo(added)
            raise IndexingError(f"indexing failed and the previous index was kept: {exc}") from exc
        return SyncReport(len(to_add), len(to_remove), len(wanted_by_id) - len(to_add))

    def _embed(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        parts: list[np.ndarray] = []
        done = 0
        if progress:
            progress(0, len(texts))
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start : start + EMBED_BATCH]
            try:
                parts.append(self.embedder.embed(batch))
            except EmbeddingError as exc:
                raise IndexingError(f"{exc}; nothing was changed in the index") from exc
            done += len(batch)
            if progress:
                progress(done, len(texts))
        return np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)

    def _undo(self, added: list[str]) -> None:
        if not added:
            return
        # The original error is the one worth reporting; a later sync deletes anything left over.
        with contextlib.suppress(Exception):
            self.collection.delete(ids=added)

    def _max_batch(self) -> int:
        try:
            return int(self.client.get_max_batch_size())
        except Exception:
            return 1000

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the n nearest chunks. Texts and metadata are not fetched:
        the retriever holds them in memory, and fetching them from SQLite would double the query time."""
        try:
            result = self.collection.query(
                query_embeddings=vector[None, :], n_results=n, where=where, include=["distances"]
            )
        except Exception as exc:
            raise StoreError(f"the knowledge search failed ({exc})") from exc
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    def get(self, ids: list[str]) -> StoredChunks:
        try:
            got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        except Exception as exc:
            raise StoreError(f"cannot read the knowledge collection ({exc})") from exc
        return StoredChunks(
            list(got["ids"]),
            [d or "" for d in got["documents"] or []],
            [dict(m or {}) for m in got["metadatas"] or []],
        )
