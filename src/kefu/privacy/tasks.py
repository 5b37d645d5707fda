"""Daily retention run."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.config import current_settings
from kefu.kit import jobs
from kefu.privacy.service import privacy_service


@jobs.periodic("privacy.retention", every_seconds=86_400)
async def retention(session: AsyncSession, _payload: dict[str, Any]) -> None:
    settings = current_settings()
    days = (await privacy_service.retention(session)).retention_days  # the admin's, else the server's
    await privacy_service.apply_retention(
        session,
        days=days if days is not None else settings.retention_days,
        attachments_root=settings.data_dir / "attachments",
    )
