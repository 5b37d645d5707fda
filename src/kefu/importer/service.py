"""The import run: read the export, write each record (with its children) in a savepoint,
commit in batches with the source-id mappings, report what was created, updated, skipped.

- Idempotent: a record already mapped is updated in place (or left alone when its content
  hash is unchanged); customers and staff match existing rows by e-mail/phone.
- Resumable: a record and its mapping commit together; a killed run loses at most the
  uncommitted batch, and the next run continues from the mappings.
- Dry run: everything runs in one transaction that is rolled back, so the counts are exact.
- No events are published: a historic ticket must not send surveys, webhooks or mail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from kefu.errors import KefuError
from kefu.importer.chatwoot import ChatwootReader
from kefu.importer.context import Context, Skip
from kefu.importer.repository import importer_repository as repo
from kefu.importer.schemas import Problem, Record, Summary
from kefu.importer.writers import write
from kefu.importer.zendesk import ZendeskReader
from kefu.kit.db import Database

SOURCES = ("zendesk", "chatwoot")
Progress = Callable[[int], None]


def reader_for(source: str, root: Path) -> ZendeskReader | ChatwootReader:
    if not root.is_dir():
        raise KefuError(f"{root} is not a directory", 422)
    if source == "zendesk":
        return ZendeskReader(root)
    if source == "chatwoot":
        return ChatwootReader(root)
    raise KefuError(f"unknown source {source!r} (zendesk or chatwoot)", 422)


def checksum(record: Record) -> str:
    payload = {
        "data": record.data,
        "children": [(c.kind, c.source_id, c.data) for c in record.children],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def count_records(source: str, root: Path) -> int:
    """Top-level records, for the progress bar's total (children are not counted)."""
    reader = reader_for(source, root)
    reader.children = False
    return sum(1 for _ in reader.records())


class ImportService:
    async def run(
        self,
        db: Database,
        source: str,
        root: Path,
        *,
        dry_run: bool = False,
        batch: int = 100,
        progress: Progress | None = None,
        stop_after: int | None = None,
    ) -> Summary:
        """Import `root`. `stop_after` stops after that many records without committing the
        open batch, as a kill would (tests of resuming)."""
        reader = reader_for(source, root)
        summary = Summary(source=source, dry_run=dry_run)
        async with db.session() as session:
            ctx = Context(source=source, session=session, summary=summary)
            await session.begin()
            done = 0
            pending = 0
            try:
                for record in reader.records():
                    if stop_after is not None and done >= stop_after:
                        summary.interrupted = True
                        await session.rollback()
                        break
                    await self._one(ctx, record)
                    done += 1
                    pending += 1
                    if progress:
                        progress(1)
                    if pending >= batch and not dry_run:
                        await session.commit()
                        ctx.committed()
                        await session.begin()
                        pending = 0
                else:
                    if dry_run:
                        await session.rollback()
                    else:
                        await session.commit()
            except BaseException:
                await session.rollback()
                raise
        for problem in reader.problems:
            summary.skip(problem)
        return summary

    async def _one(self, ctx: Context, record: Record) -> None:
        """One record and its children in a savepoint: a failure skips this record only."""
        digest = checksum(record)
        mapping = await ctx.mapping(record.kind, record.source_id)
        ctx.remember(record)
        if (
            mapping is not None
            and mapping.checksum == digest
            and await ctx.exists(record.kind, mapping.local_id)
        ):
            counts = ctx.summary.count(record.kind)
            counts.updated += 1
            counts.unchanged += 1
            for child in record.children:
                child_counts = ctx.summary.count(child.kind)
                child_counts.updated += 1
                child_counts.unchanged += 1
            return
        savepoint = await ctx.session.begin_nested()
        try:
            local_id, action, merged = await write(ctx, record, mapping)
            await ctx.session.flush()
        except Skip as exc:
            await savepoint.rollback()
            ctx.forget_pending()
            ctx.summary.skip(Problem(record.file, exc.reason, record.kind, record.source_id))
            return
        except (KefuError, ValueError, TypeError, KeyError) as exc:
            await savepoint.rollback()
            ctx.forget_pending()
            reason = exc.message if isinstance(exc, KefuError) else f"{type(exc).__name__}: {exc}"
            ctx.summary.skip(Problem(record.file, reason, record.kind, record.source_id))
            return
        await savepoint.commit()
        ctx.set_mapping(record.kind, record.source_id, local_id, digest, mapping)
        ctx.keep_pending()
        counts = ctx.summary.count(record.kind)
        if action == "created":
            counts.created += 1
        else:
            counts.updated += 1
        if merged:
            counts.merged += 1

    async def imported_counts(self, db: Database, source: str) -> dict[str, int]:
        async with db.session() as session:
            return await repo.counts(session, source)


import_service = ImportService()
