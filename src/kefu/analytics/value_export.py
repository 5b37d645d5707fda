"""The customer-value report as a sheet for people: translated headers, tier names and
quarters, rates as percentages, amounts in yuan with two decimals (numbers a spreadsheet
can still sum), a BOM so spreadsheet programs read UTF-8."""

from __future__ import annotations

import csv
import io
from typing import Any

from kefu.analytics.customer_value import cohort_label
from kefu.kit.humanize import EMPTY, label, percent
from kefu.kit.i18n import translations

COLUMNS = (
    "Customer count",
    "Bought in the period",
    "Repurchase rate",
    "Churn rate (no purchase in 12 months)",
    "Average lifetime value (CNY)",
    "Revenue in the period (CNY)",
    "High-value share of revenue",
)


def _money(value: float | None) -> str:
    return EMPTY if value is None else f"{value:.2f}"


def _cells(r: dict[str, Any]) -> list[str]:
    return [
        str(r["customers"]),
        str(r["buyers"]),
        percent(r["repurchase_rate"]),
        percent(r["churn_rate"]),
        _money(r["lifetime_value_cny"]),
        _money(r["revenue_cny"]),
        percent(r["high_tier_revenue_share"]),
    ]


def customer_value_csv(data: dict[str, Any], locale: str) -> str:
    _ = translations(locale).gettext
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_("Breakdown"), _("Segment"), *(_(c) for c in COLUMNS)])
    writer.writerow([_("Total"), _("All customers"), *_cells(data["total"])])
    for r in data["tiers"]:
        writer.writerow([_("Customer tier"), label("tier", r["tier"], locale), *_cells(r)])
    for r in data["cohorts"]:
        writer.writerow([_("First-purchase quarter"), cohort_label(r["cohort"], locale), *_cells(r)])
    return out.getvalue()
