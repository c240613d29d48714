"""Errors of the knowledge part. Each message says what went wrong and what to do; the CLI shows it as is."""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class: a problem the user can act on."""


class DocumentError(KnowledgeError, ValueError):
    """A document cannot be indexed; the message names the file and the reason."""


class QueryError(KnowledgeError, ValueError):
    """A search query was refused (empty, or too long)."""


class IndexingError(KnowledgeError):
    """Indexing failed; the previous index was kept."""


class StoreError(KnowledgeError):
    """The vector store (local chromadb or a Chroma server) cannot be used."""
