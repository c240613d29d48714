"""BM25 over chunk texts, in memory (chromadb's sparse index is Cloud-only).

Built from the texts held in the vector store when a Retriever opens, so a shared Chroma server needs no
local sidecar. Scoring uses precomputed per-posting weights: a query is a few numpy scatter-adds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np
import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    line.strip()
    for line in (Path(__file__).with_name("stopwords.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Snowball (Porter 2) English stem: mentor/mentors/mentoring, present/presenting/presenter."""
    return _STEMMER.stemWord(word)


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


class BM25:
    def __init__(self, texts: list[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(texts)
        docs = [Counter(tokenize(t)) for t in texts]
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if self.size else 0.0
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for index, counts in enumerate(docs):
            for term, tf in counts.items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(index)
                tfs.append(float(tf))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (ids, tfs) in postings.items():
            idx = np.array(ids, dtype=np.int64)
            tf = np.array(tfs, dtype=np.float32)
            df = len(ids)
            idf = math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))
            norm = k1 * (1.0 - b + b * lengths[idx] / max(avg, 1e-9))
            self._postings[term] = (idx, (idf * tf * (k1 + 1.0) / (tf + norm)).astype(np.float32))

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float32)
        for term in set(tokenize(query)):
            hit = self._postings.get(term)
            if hit is not None:
                out[hit[0]] += hit[1]
        return out
