"""Macro placeholders (pure): {{customer.name}}, {{ticket.id}}, {{ticket.subject}}, {{agent.name}}.

A fixed set substituted by name — never a template engine over user-written text, so a
macro cannot run code or read anything else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")
KNOWN = ("customer.name", "ticket.id", "ticket.subject", "agent.name", "group.name")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({m.group(1) for m in PLACEHOLDER.finditer(text)} - set(KNOWN))


def render(text: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)
