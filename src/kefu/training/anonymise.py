"""Anonymising a case for the case review (pure): the customer's name becomes a surname and
stars, phone numbers and email addresses in the text go through the customer masking
helpers, and order numbers keep only their first and last two characters, so a case can be
discussed without showing who the customer was."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kefu.customer.masking import mask_email, mask_phone

# Neighbours that make a digit run part of something longer (CJK text around it is fine).
_B = r"(?<![A-Za-z\d*+])"
_A = r"(?![A-Za-z\d*])"
_PHONE = re.compile(_B + r"(\+?\d{11,13})" + _A)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Order numbers: whatever follows 订单号/单号/order no., letters followed by 6+ digits
# (SO20261201001, JD1234567), or bare runs of 8-10 or 14+ digits (11-13 are phone numbers).
_ORDER_AFTER = re.compile(
    r"((?:订单号|订单编号|单号|order(?:\s*(?:no\.?|number|#))?)\s*[:：#]?\s*)([A-Za-z0-9-]{4,})", re.I
)
_ORDER_CODE = re.compile(_B + r"[A-Za-z]{1,6}-?\d{6,}" + _A)
_ORDER_DIGITS = re.compile(_B + r"(?:\d{8,10}|\d{14,})" + _A)


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
    then email addresses, order numbers and phone numbers."""
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _ORDER_AFTER.sub(lambda m: m.group(1) + mask_order(m.group(2)), text)
    text = _ORDER_CODE.sub(lambda m: mask_order(m.group(0)), text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
    return _ORDER_DIGITS.sub(lambda m: mask_order(m.group(0)), text)


def mask_order(number: str) -> str:
    """SO20261201001 → SO*********01; short ones keep one character each end."""
    keep = 2 if len(number) > 6 else 1
    return number[:keep] + "*" * max(len(number) - 2 * keep, 1) + number[-keep:]
