"""Bulk order import (`kefu orders import`): rows in batches, each batch its own transaction;
a bad row is reported with its line number and never stops the others. The caller (the CLI)
owns the database and the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from kefu.authz import SYSTEM
from kefu.customer.service import customer_service
from kefu.errors import KefuError
from kefu.kit.db import Database
from kefu.loyalty.schemas import OrderCreate
from kefu.loyalty.service import loyalty_service


@dataclass
class ImportResult:
    imported: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _when(raw: str) -> datetime:
    value = datetime.fromisoformat(raw.strip())
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def import_rows(
    db: Database, rows: list[dict[str, str]], batch: int, advance: Callable[[int], None]
) -> ImportResult:
    result = ImportResult()
    for start in range(0, len(rows), batch):
        async with db.transaction() as session:
            for offset, row in enumerate(rows[start : start + batch]):
                line = start + offset + 2  # header is line 1
                ident = (row.get("customer") or "").strip()
                if "@" in ident:
                    found = await customer_service.search(session, SYSTEM, email=ident)
                elif ident.lstrip("+").isdigit() and len(ident) >= 8:
                    found = await customer_service.search(session, SYSTEM, phone=ident)
                else:
                    found = await customer_service.search(session, SYSTEM, external_id=ident)
                if not found:
                    result.errors.append((line, f"no customer {ident!r}"))
                    continue
                try:
                    data = OrderCreate(
                        external_id=row["external_id"],
                        amount=Decimal(row["amount"]),
                        currency=(row.get("currency") or "CNY"),
                        placed_at=_when(row["placed_at"]),
                    )
                    async with session.begin_nested():
                        _order, created = await loyalty_service.record_order(session, None, found[0].id, data)
                except (ValidationError, InvalidOperation, ValueError, KefuError) as exc:
                    message = exc.message if isinstance(exc, KefuError) else str(exc).splitlines()[0]
                    result.errors.append((line, message))
                    continue
                if created:
                    result.imported += 1
                else:
                    result.duplicates += 1
        advance(len(rows[start : start + batch]))
    return result
