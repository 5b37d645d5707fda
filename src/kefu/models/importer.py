"""Where each imported record came from: (source, kind, source id) → local id.

The mapping makes imports idempotent (a re-run updates the row it created) and resumable (a
record and its mapping commit together, so a killed run never leaves an unmapped copy).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.time import utcnow


class ImportMapping(Base):
    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(20))  # zendesk | chatwoot
    kind: Mapped[str] = mapped_column(sa.String(30))  # user, ticket, comment ...
    source_id: Mapped[str] = mapped_column(sa.String(64))
    local_id: Mapped[int]
    # Hash of the record as last imported: a re-run tells changed from unchanged.
    checksum: Mapped[str] = mapped_column(sa.String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("source", "kind", "source_id"),)
