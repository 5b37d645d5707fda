"""Anonymising a case for the case review (pure): the customer's name becomes a surname and
stars, phone numbers and email addresses in the text go through the customer masking
helpers, so a case can be discussed without showing who the customer was."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kefu.customer.masking import mask_email, mask_phone

_PHONE = re.compile(r"(?<!\d)(\+?\d{11,13})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_name(name: str) -> str:
    """周小云 → 周**; Emily Chen → E***; empty → 客户."""
    name = name.strip()
    if not name:
        return "客户"
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name[0] + "*" * max(len(name) - 1, 1)
    return name[0] + "***"


def anonymise(text: str, names: Iterable[str]) -> str:
    """The text with every given name masked (longest first, so 周小云 wins over 周小),
    then phone numbers and email addresses."""
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
