"""Admin-editable settings stored as JSON documents by key (e.g. "loyalty")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.secretbox import SEALED_JSON
from kefu.kit.time import utcnow


class SettingValue(Base):
    __tablename__ = "setting_values"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    # May hold sealed secrets (kit.secretbox.seal), which `kefu secrets rotate` reseals.
    value: Mapped[dict[str, Any]] = mapped_column(sa.JSON, info={SEALED_JSON: True})
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


async def read_setting(session: AsyncSession, key: str) -> dict[str, Any] | None:
    """The stored document of `key`, None when an admin never saved it."""
    row = await session.get(SettingValue, key)
    return dict(row.value) if row is not None else None


async def write_setting(session: AsyncSession, key: str, value: dict[str, Any]) -> None:
    row = await session.get(SettingValue, key)
    if row is None:
        session.add(SettingValue(key=key, value=value, updated_at=utcnow()))
    else:
        row.value, row.updated_at = value, utcnow()
