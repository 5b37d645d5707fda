"""Every inline <script> in a template carries the page's CSP nonce and no element has an
inline event handler: the Content-Security-Policy refuses both, and the page silently loses
its behaviour (a rule builder whose preview never fills in)."""

from __future__ import annotations

import re

from tests.conftest import ROOT

TEMPLATES = ROOT / "src" / "kefu" / "web" / "templates"


def test_inline_scripts_carry_the_nonce_and_no_inline_handlers() -> None:
    bad: list[str] = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'nonce="{{ csp_nonce }}"' not in tag:
                bad.append(f"{path.relative_to(TEMPLATES)}: {tag}")
        for handler in re.findall(r"\son[a-z]+\s*=\s*[\"']", text):
            bad.append(f"{path.relative_to(TEMPLATES)}: inline handler {handler.strip()}")
    assert not bad, bad
