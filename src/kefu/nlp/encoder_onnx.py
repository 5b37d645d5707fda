"""The BERT encoder as an in-memory ONNX graph run by onnxruntime, weights in int8.

numpy's BLAS is slow on the small matrices of one query (~8 ms for MiniLM-L6 on this CPU)
and the 10,000 examples of a large intent set take ~60 s to encode. onnxruntime's int8
kernels (dynamic activation quantisation, per-column weight scales) do the same in a
fraction of that. The graph is built here from the safetensors weights at load time (no
file is written, nothing is downloaded); `encoder.Encoder` falls back to its numpy forward
pass when onnxruntime is not installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort  # type: ignore[import-untyped]
from onnx import TensorProto, helper, numpy_helper

FloatArray = npt.NDArray[np.float32]
_OPSET = 20  # Gelu and LayerNormalization are standard ops from here


class _Graph:
    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._n = 0

    def name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def const(self, value: npt.ArrayLike, hint: str = "c") -> str:
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], hint: str = "t", **attrs: Any) -> str:
        out = self.name(hint)
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def linear(self, x: str, w: FloatArray, b: FloatArray, quantize: bool) -> str:
        """x @ w + b with w (in, out); int8 with one scale per output column when quantising."""
        if not quantize:
            return self.op("Add", [self.op("MatMul", [x, self.const(w.astype(np.float32))]), self.const(b)])
        # 7-bit weights (onnxruntime's "reduce_range"): on CPUs without VNNI the u8×s8 kernel
        # adds pairs of products in int16 and saturates with full-range weights, which cost
        # accuracy on some machines (cosine 0.979 vs the float model) and not on others.
        scale = np.maximum(np.abs(w).max(axis=0), 1e-8) / 63.0
        wq = np.clip(np.round(w / scale), -63, 63).astype(np.int8)
        xq = self.name("xq")
        xs = self.name("xs")
        xz = self.name("xz")
        self.nodes.append(helper.make_node("DynamicQuantizeLinear", [x], [xq, xs, xz]))
        zero = self.const(np.zeros(w.shape[1], np.int8))
        acc = self.op("MatMulInteger", [xq, self.const(wq), xz, zero])
        y = self.op(
            "Mul",
            [
                self.op("Cast", [acc], to=TensorProto.FLOAT),
                self.op("Mul", [xs, self.const(scale.astype(np.float32))]),
            ],
        )
        return self.op("Add", [y, self.const(b)])


def build(
    weights: Mapping[str, FloatArray],
    layers: int,
    heads: int,
    quantize: bool = True,
    *,
    eps: float = 1e-12,
    embeds_input: bool = False,
) -> bytes:
    """Serialized ONNX model: (input_ids int64 [B, L], mask float [B, L]) → unit rows [B, H].

    `embeds_input`: the first input is instead `embeds` float [B, L, H], the sum of word,
    position and token-type embeddings computed by the caller (a 250,000-word multilingual
    vocabulary would cost ~400 MB as a float graph constant; the caller gathers its rows)."""
    g = _Graph()
    if embeds_input:
        hidden = int(np.asarray(weights["embeddings.LayerNorm.weight"]).shape[0])
        d = hidden // heads
        h = "embeds"
    else:
        h, hidden = _embeddings(g, weights)
        d = hidden // heads

    def norm(x: str, prefix: str) -> str:
        gamma = g.const(np.asarray(weights[prefix + ".weight"], np.float32))
        beta = g.const(np.asarray(weights[prefix + ".bias"], np.float32))
        return g.op("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=eps)

    h = norm(h, "embeddings.LayerNorm")
    bias = g.op("Mul", [g.op("Sub", ["mask", g.const(np.float32(1.0))]), g.const(np.float32(1e9))])
    bias = g.op("Unsqueeze", [bias, g.const(np.array([1, 2], np.int64))])  # [B, 1, 1, L]
    split_shape = g.const(np.array([0, 0, 3, heads, d], np.int64))
    merge_shape = g.const(np.array([0, 0, hidden], np.int64))
    scale = g.const(np.float32(1.0 / np.sqrt(d)))
    for i in range(layers):
        p = f"encoder.layer.{i}."
        att = p + "attention.self."
        w_qkv = np.concatenate(
            [np.asarray(weights[att + n + ".weight"]) for n in ("query", "key", "value")]
        ).T
        b_qkv = np.concatenate([np.asarray(weights[att + n + ".bias"]) for n in ("query", "key", "value")])
        qkv = g.op("Reshape", [g.linear(h, w_qkv, b_qkv.astype(np.float32), quantize), split_shape])
        qkv = g.op("Transpose", [qkv], perm=[2, 0, 3, 1, 4])  # [3, B, heads, L, d]
        q, k, v = (g.op("Gather", [qkv, g.const(np.int64(j))], axis=0) for j in range(3))
        scores = g.op("MatMul", [g.op("Mul", [q, scale]), g.op("Transpose", [k], perm=[0, 1, 3, 2])])
        probs = g.op("Softmax", [g.op("Add", [scores, bias])], axis=-1)
        ctx = g.op(
            "Reshape", [g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge_shape]
        )
        out = g.linear(
            ctx,
            np.asarray(weights[p + "attention.output.dense.weight"]).T,
            np.asarray(weights[p + "attention.output.dense.bias"], np.float32),
            quantize,
        )
        h = norm(g.op("Add", [out, h]), p + "attention.output.LayerNorm")
        up = g.linear(
            h,
            np.asarray(weights[p + "intermediate.dense.weight"]).T,
            np.asarray(weights[p + "intermediate.dense.bias"], np.float32),
            quantize,
        )
        up = g.op("Gelu", [up])
        down = g.linear(
            up,
            np.asarray(weights[p + "output.dense.weight"]).T,
            np.asarray(weights[p + "output.dense.bias"], np.float32),
            quantize,
        )
        h = norm(g.op("Add", [down, h]), p + "output.LayerNorm")
    mask3 = g.op("Unsqueeze", ["mask", g.const(np.array([2], np.int64))])
    total = g.op("ReduceSum", [g.op("Mul", [h, mask3]), g.const(np.array([1], np.int64))], keepdims=0)
    count = g.op(
        "Max",
        [g.op("ReduceSum", ["mask", g.const(np.array([1], np.int64))], keepdims=1), g.const(np.float32(1.0))],
    )
    pooled = g.op("Div", [total, count])
    g.nodes.append(helper.make_node("LpNormalization", [pooled], ["embedding"], axis=-1, p=2))
    graph = helper.make_graph(
        g.nodes,
        "sentence_encoder",
        [
            helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["batch", "length", hidden])
            if embeds_input
            else helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)])
    model.ir_version = 9
    return bytes(model.SerializeToString())


def _embeddings(g: _Graph, weights: Mapping[str, FloatArray]) -> tuple[str, int]:
    """word + position + token type(0) embeddings of `input_ids` inside the graph."""
    word = np.asarray(weights["embeddings.word_embeddings.weight"], np.float32)
    h = g.op("Gather", [g.const(word, "word"), "input_ids"])
    length = g.op("Gather", [g.op("Shape", ["input_ids"]), g.const(np.array([1], np.int64))])
    pos = g.op(
        "Slice",
        [
            g.const(np.asarray(weights["embeddings.position_embeddings.weight"], np.float32)),
            g.const(np.array([0], np.int64)),
            length,
            g.const(np.array([0], np.int64)),
        ],
    )
    h = g.op(
        "Add",
        [
            g.op("Add", [h, pos]),
            g.const(np.asarray(weights["embeddings.token_type_embeddings.weight"], np.float32)[0]),
        ],
    )
    return h, int(word.shape[1])


class OnnxForward:
    """A callable (input_ids, mask) → embeddings backed by one onnxruntime session."""

    def __init__(self, model: bytes, threads: int) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # other processes share the cores: idle threads must sleep, not spin
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, ids: npt.NDArray[np.int64], mask: FloatArray) -> FloatArray:
        out = self.session.run(["embedding"], {"input_ids": ids, "mask": mask})[0]
        return np.asarray(out, np.float32)

    def embeds(self, embeds: FloatArray, mask: FloatArray) -> FloatArray:
        """The forward pass of a graph built with `embeds_input=True`."""
        out = self.session.run(["embedding"], {"embeds": embeds, "mask": mask})[0]
        return np.asarray(out, np.float32)
