"""The import run's state (mappings kept in memory, names of organisations and sections) and
what every writer shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.importer.repository import importer_repository as repo
from kefu.importer.schemas import Record, Summary
from kefu.kit.db import Base
from kefu.kit.time import utcnow
from kefu.models import (
    Article,
    Customer,
    CustomFieldDef,
    Group,
    ImportMapping,
    Macro,
    Survey,
    Ticket,
    User,
)
from kefu.team.service import team_service

# Kinds that only name things other records use (no row of their own): local id 0.
NAME_ONLY = {"organization", "section", "inbox"}
MODELS: dict[str, type[Base]] = {
    "group": Group,
    "agent": User,
    "customer": Customer,
    "field": CustomFieldDef,
    "article": Article,
    "macro": Macro,
    "ticket": Ticket,
    "conversation": Ticket,
    "rating": Survey,
}
OPEN = {"new", "open", "pending", "hold"}


class Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Context:
    source: str
    session: AsyncSession
    summary: Summary
    names: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _maps: dict[str, dict[str, ImportMapping]] = field(default_factory=dict)
    _pending: list[tuple[str, str]] = field(default_factory=list)
    _default_group: int | bool | None = False
    # (kind, "created" | "updated") of the children written in the current record's unit,
    # counted only when the unit's savepoint commits.
    child_counts: list[tuple[str, str]] = field(default_factory=list)

    async def _kind(self, kind: str) -> dict[str, ImportMapping]:
        if kind not in self._maps:
            self._maps[kind] = await repo.mappings(self.session, self.source, kind)
        return self._maps[kind]

    async def mapping(self, kind: str, source_id: str | None) -> ImportMapping | None:
        if source_id is None:
            return None
        return (await self._kind(kind)).get(source_id)

    async def local(self, kind: str, source_id: str | None) -> int | None:
        m = await self.mapping(kind, source_id)
        return m.local_id if m else None

    async def exists(self, kind: str, local_id: int) -> bool:
        model = MODELS.get(kind)
        return model is None or await repo.get(self.session, model, local_id) is not None

    def remember(self, record: Record) -> None:
        if record.kind in NAME_ONLY:
            self.names[(record.kind, record.source_id)] = record.data

    def set_mapping(
        self, kind: str, source_id: str, local_id: int, digest: str, mapping: ImportMapping | None = None
    ) -> None:
        if mapping is None:
            mapping = ImportMapping(source=self.source, kind=kind, source_id=source_id, local_id=local_id)
            repo.add(self.session, mapping)
            self._maps.setdefault(kind, {})[source_id] = mapping
            self._pending.append((kind, source_id))
        mapping.local_id = local_id
        mapping.checksum = digest
        mapping.imported_at = utcnow()

    def keep_pending(self) -> None:
        self._pending.clear()
        for kind, action in self.child_counts:
            counts = self.summary.count(kind)
            if action == "created":
                counts.created += 1
            else:
                counts.updated += 1
        self.child_counts.clear()

    def forget_pending(self) -> None:
        # A rolled-back savepoint expired what it touched: reload mappings from the database.
        self._pending.clear()
        self._maps.clear()
        self.child_counts.clear()

    def committed(self) -> None:
        self._pending.clear()

    async def default_group(self) -> int | None:
        if self._default_group is False:
            group = await team_service.default_group(self.session)
            self._default_group = group.id if group else None
        return self._default_group if isinstance(self._default_group, int) else None


Result = tuple[int, str, bool]  # local id, "created" | "updated", matched an existing row


def required(data: dict[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Skip(f"no {what}")
    return value.strip()


async def existing(ctx: Context, model: type[Base], mapping: ImportMapping | None) -> Any:
    if mapping is None or mapping.local_id == 0:
        return None
    return await repo.get(ctx.session, model, mapping.local_id)
