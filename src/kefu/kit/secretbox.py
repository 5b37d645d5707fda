"""Integration secrets at rest (IMAP passwords, WeChat app secrets, webhook, phone, app and
partner signing secrets): columns of type `EncryptedText` hold `enc1:<Fernet token>`, never
the plain value, so a copied database file or dump does not give the secrets away.

Envelope: the data key list comes from `KEFU_SECRETS_KEY` (base64 32-byte keys, comma
separated, the first one current) or, without it, from `data_dir/secrets.key` (0600,
generated once; see `config.secrets_keys`). Values are encrypted with the current key and
decrypted with any listed key, so a key is rotated by putting a new one first and running
`kefu secrets rotate`, which rewrites every value with it; then the old key can go.
A value stored before encryption existed (no `enc1:` prefix) still reads, and is encrypted
at its next write or by the rotation.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1:"
ENV = "KEFU_SECRETS_KEY"


class SecretBoxError(RuntimeError):
    """No key configured, or a stored value no configured key opens."""


_keys: list[bytes] = []
# Built once per configuration: every encrypted column read or written goes through these.
_multi: MultiFernet | None = None
_current: Fernet | None = None


def parse_keys(raw: str) -> list[bytes]:
    """Comma-separated base64 (standard or URL-safe) 32-byte keys as Fernet keys."""
    out: list[bytes] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            key = base64.b64decode(part.replace("-", "+").replace("_", "/") + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError) as exc:
            raise SecretBoxError("secrets key is not base64") from exc
        if len(key) != 32:
            raise SecretBoxError("a secrets key must be 32 bytes (44 base64 characters)")
        out.append(base64.urlsafe_b64encode(key))
    return out


def new_key() -> str:
    return Fernet.generate_key().decode()


def configure(keys: list[bytes]) -> None:
    """Make `keys` current (first = the one new values are encrypted with). Keys this process
    was given before stay readable: in tests several apps share one process."""
    global _keys, _multi, _current
    if not keys:
        raise SecretBoxError("no secrets key given")
    _keys = [*keys, *(k for k in _keys if k not in keys)]
    fernets = [Fernet(k) for k in _keys]
    _multi, _current = MultiFernet(fernets), fernets[0]


def configure_from(raw: str) -> None:
    configure(parse_keys(raw))


def _box() -> tuple[MultiFernet, Fernet]:
    if _multi is None or _current is None:
        raw = os.environ.get(ENV, "")
        if not raw:
            raise SecretBoxError(f"secrets are not configured (set {ENV} or start through kefu)")
        configure(parse_keys(raw))
    assert _multi is not None and _current is not None
    return _multi, _current


def seal(plain: str) -> str:
    if plain.startswith(PREFIX):  # already sealed (copied from another row)
        return plain
    return PREFIX + _box()[0].encrypt(plain.encode()).decode()


def open_(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption at rest
    try:
        return _box()[0].decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise SecretBoxError("a stored secret does not open with any configured key") from exc


def reseal(stored: str) -> str:
    """The value encrypted with the current key (plain legacy values included); a value
    the current key already opens comes back unchanged."""
    if stored.startswith(PREFIX):
        try:
            _box()[1].decrypt(stored[len(PREFIX) :].encode())
            return stored
        except InvalidToken:
            pass
    return seal(open_(stored))


class EncryptedText(TypeDecorator[str]):
    """A string column stored encrypted; reads give the plain value back."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else seal(str(value))

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else open_(str(value))


SEALED_JSON = "sealed_json"  # Column.info flag: JSON documents that may hold sealed strings


def _reseal_json(value: Any) -> Any:
    """The document with every sealed string in it resealed with the current key."""
    if isinstance(value, str):
        return reseal(value) if value.startswith(PREFIX) else value
    if isinstance(value, dict):
        return {k: _reseal_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_reseal_json(v) for v in value]
    return value


def encrypted_columns(metadata: sa.MetaData) -> list[tuple[sa.Table, sa.Column[Any]]]:
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


async def rotate(session: AsyncSession, metadata: sa.MetaData) -> int:
    """Rewrite every encrypted value (and any plain one left from before) with the current
    key; returns how many values changed. Reads the stored text as is (a cast skips the
    decrypting type) so a value no key opens fails here, before anything is written."""
    changed = 0
    for table, column in encrypted_columns(metadata):
        pk = list(table.primary_key.columns)
        rows = (
            await session.execute(sa.select(*pk, sa.cast(column, sa.Text)).where(column.is_not(None)))
        ).all()
        for row in rows:
            stored = row[-1]
            fresh = reseal(stored)
            if fresh == stored:
                continue
            where = sa.and_(*(c == row[i] for i, c in enumerate(pk)))
            await session.execute(sa.update(table).where(where).values({column.name: fresh}))
            changed += 1
    # Secrets kept inside settings documents (an admin's SMTP password) are sealed one by one.
    for table in metadata.sorted_tables:
        for column in (c for c in table.columns if c.info.get(SEALED_JSON)):
            pk = list(table.primary_key.columns)
            for row in (await session.execute(sa.select(*pk, column).where(column.is_not(None)))).all():
                fresh_doc = _reseal_json(row[-1])
                if fresh_doc == row[-1]:
                    continue
                where = sa.and_(*(c == row[i] for i, c in enumerate(pk)))
                await session.execute(sa.update(table).where(where).values({column.name: fresh_doc}))
                changed += 1
    return changed
