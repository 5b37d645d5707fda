"""The neutral records both vendor readers produce, and the run's summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Record:
    """One source record, already mapped to kefu's vocabulary (`data`), with where it came
    from. `children` are records that belong to it (a ticket's comments, a chat's messages)
    and are written in the same unit so a killed run never leaves half a ticket."""

    kind: str
    source_id: str
    data: dict[str, Any]
    file: str
    children: list[Record] = field(default_factory=list)


@dataclass
class Problem:
    """A file or record that was not imported, and why."""

    file: str
    reason: str
    kind: str | None = None
    source_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "reason": self.reason}
        if self.kind:
            out["type"] = self.kind
        if self.source_id is not None:
            out["source_id"] = self.source_id
        return out


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # of `updated`: re-imported with identical content
    merged: int = 0  # of `created`/`updated`: matched an existing kefu row (customer by email/phone)
    skipped: int = 0


@dataclass
class Summary:
    source: str
    dry_run: bool
    counts: dict[str, Counts] = field(default_factory=dict)
    skipped: list[Problem] = field(default_factory=list)
    interrupted: bool = False

    def count(self, kind: str) -> Counts:
        return self.counts.setdefault(kind, Counts())

    def skip(self, problem: Problem) -> None:
        if problem.kind:
            self.count(problem.kind).skipped += 1
        self.skipped.append(problem)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "interrupted": self.interrupted,
            "types": {
                kind: {
                    "created": c.created,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                    "merged": c.merged,
                    "skipped": c.skipped,
                }
                for kind, c in sorted(self.counts.items())
            },
            "skipped": [p.as_dict() for p in self.skipped],
        }


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (Zendesk) or Unix seconds (Chatwoot) to an aware UTC datetime; None if absent
    or unreadable (the caller decides whether that is fatal)."""
    if value is None or value == "" or value == 0:
        return None
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        text = str(value).strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
