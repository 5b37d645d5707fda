"""`scripts/train_emotion.py --profile research` (what `make emotion-model-research` runs): the
opt-in model is built from review CSVs with the same encoder head as the default, says its
licence, and loads through the product's code path. Tiny stand-in data here; the real build
reads ../shared/data."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from kefu.nlp.emotion import e5_encoder, read_model_dir

ROOT = Path(__file__).resolve().parents[2]
NEG = [
    "发货太慢了",
    "东西坏了",
    "客服不理人",
    "质量很差",
    "退款一直不到",
    "包装破了",
    "饭菜都凉了",
    "房间很脏",
]
POS = [
    "发货很快",
    "东西很好用",
    "客服很耐心",
    "质量不错",
    "退款很及时",
    "包装很用心",
    "饭菜很香",
    "房间很干净",
]
QUESTIONS = ["请问什么时候发货", "怎么修改收货地址", "花呗怎么还款", "借呗额度怎么提升", "订单在哪里查看"]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_emotion", ROOT / "scripts" / "train_emotion.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _data(folder: Path) -> tuple[Path, Path]:
    reviews, pairs = folder / "sentiment", folder / "paraphrase"
    reviews.mkdir()
    pairs.mkdir()
    for source in ("shop", "hotel"):
        with (reviews / f"{source}_train.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["text", "label"])
            for i, suffix in enumerate(["", "！", "，说真的", "。", "啊", "，唉", "呀", "～"]):
                w.writerows([f"{t}{suffix}{'' if i % 2 else source}", "negative"] for t in NEG)
                w.writerows([f"{t}{suffix}{'' if i % 2 else source}", "positive"] for t in POS)
    with (pairs / "qa_train.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text_a", "text_b", "label"])
        for i, q in enumerate(QUESTIONS * 4):
            w.writerow([f"{q}{'？' * (i % 3)}", f"你好，{q}", "1"])
    return reviews, pairs


def _build(tmp_path: Path, *extra: str) -> Path:
    reviews, pairs = _data(tmp_path)
    out = tmp_path / "site"
    # a small hash space: the same code, quicker on tiny data
    args = [
        "--profile",
        "research",
        "--data",
        str(reviews),
        "--neutral",
        str(pairs),
        "--bits",
        "16",
        "--gate-bits",
        "14",
    ]
    args += extra
    assert _script().main([*args, "--out", str(out)]) == 0
    return out


def test_research_profile_builds_the_opt_in_model_with_its_licence(tmp_path: Path) -> None:
    out = _build(tmp_path)
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["licence"].startswith("research use only")
    assert set(meta["validation"]) == {"all", "shop", "hotel"}
    model = read_model_dir(out)
    assert model.e5_weights is None  # `make emotion-model-research`: hashed model and gate
    assert model.analyze("客服不理人，质量很差").label == "negative"
    assert model.analyze("发货很快，质量不错").label == "positive"
    assert model.analyze("请问什么时候发货").label == "neutral"


def test_research_profile_with_the_encoder_head(tmp_path: Path) -> None:
    """`--e5`: the default's encoder head, learnt from the research reviews."""
    out = _build(tmp_path, "--e5")
    model = read_model_dir(out)
    if e5_encoder() is None:
        assert model.e5_weights is None  # without the encoder: hashed model and gate only
        return
    assert model.e5_weights is not None and model.e5_mix > 0
    assert model.version.startswith("zh-hash-lr-e5-research")
    assert model.e5_logit("质量很差") > 0 > model.e5_logit("质量不错")  # type: ignore[operator]
    assert model.analyze("东西坏了，退款一直不到").label == "negative"
    assert model.analyze("请问什么时候发货").label == "neutral"
