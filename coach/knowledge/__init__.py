"""Guidance knowledge: cards, user documents, indexing and retrieval."""
