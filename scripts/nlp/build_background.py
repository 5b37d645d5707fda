"""Build `src/kefu/nlp/background.txt`: general-domain questions a service bot should decline,
shipped with the package as the negatives of every company's out-of-scope class.

Sources (both allow redistribution):
- `scripts/nlp/background_zh.txt` — Chinese and English questions written for kefu;
- CLINC150's out-of-scope training rows (Larson et al. 2019, clinc/oos-eval, CC BY 3.0),
  read from `../shared/data/intent/clinc150_train.csv` (the `oos` label).

Run: `.venv/bin/python scripts/nlp/build_background.py [--data DIR]`.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "src" / "kefu" / "nlp" / "background.txt"
HEADER = (
    "# Background out-of-scope questions (built by scripts/nlp/build_background.py).\n"
    "# Written for kefu, plus CLINC150 out-of-scope training rows (Larson et al. 2019, CC BY 3.0).\n"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    lines: list[str] = []
    for line in Path(__file__).with_name("background_zh.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lines.append(line.strip())
    clinc = args.data / "intent" / "clinc150_train.csv"
    with clinc.open(encoding="utf-8", newline="") as fh:
        lines.extend(r["text"].strip() for r in csv.DictReader(fh) if r["label"] == "oos")
    unique = list(dict.fromkeys(t for t in lines if t))
    OUT.write_text(HEADER + "\n".join(unique) + "\n", encoding="utf-8")
    print(f"{len(unique)} questions → {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
