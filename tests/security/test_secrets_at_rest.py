"""Finding 6: integration secrets are not stored in plain text. The database holds
`enc1:` tokens for IMAP passwords, WeChat secrets, webhook secrets and the outgoing mail
server's password (inside its settings document); the product reads the
plain values back; a key rotation rewrites every value; a value written before encryption
still reads and is encrypted by the rotation; the wrong key is a clear error (both
backends)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from kefu.config import ConfigError, Settings, secrets_keys
from kefu.kit import secretbox
from kefu.kit.db import Base, Database
from kefu.models import Mailbox, SettingValue, WebhookSubscription, WechatAccount
from kefu.outbox.service import RELAY_KEY, mail_service


@contextlib.contextmanager
def _only_keys(keys: list[bytes]) -> Iterator[None]:
    """This process knows only `keys` for the block (a host given just the new key)."""
    saved = (secretbox._keys, secretbox._multi, secretbox._current)
    secretbox._keys, secretbox._multi, secretbox._current = [], None, None
    secretbox.configure(keys)
    try:
        yield
    finally:
        secretbox._keys, secretbox._multi, secretbox._current = saved


async def _raw(db: Database, table: str, column: str) -> list[str]:
    async with db.session() as s:
        return [r[0] for r in (await s.execute(sa.text(f"SELECT {column} FROM {table} ORDER BY id"))).all()]  # noqa: S608


async def _seed(db: Database) -> None:
    async with db.transaction() as s:
        s.add(
            Mailbox(
                name="售后", address="help@example.cn", host="imap.example.cn", username="help",
                password="imap-pass-秘密",
            )
        )  # fmt: skip
        s.add(WebhookSubscription(name="工单", url="https://hooks.example.cn/x", secret="whsec-123"))
        s.add(WechatAccount(name="公众号", app_id="wx1", app_secret="wx-app-secret", token="wx-token"))
        relay = {"host": "smtp.example.cn", "username": "kefu", "password": secretbox.seal("smtp-授权码")}
        s.add(SettingValue(key=RELAY_KEY, value=relay))


class TestSecretsAtRest:
    async def test_stored_encrypted_and_read_back_plain(self, db: Database) -> None:
        await _seed(db)
        raw = [
            *(await _raw(db, "mailboxes", "password")),
            *(await _raw(db, "webhook_subscriptions", "secret")),
            *(await _raw(db, "wechat_accounts", "app_secret")),
            *(await _raw(db, "wechat_accounts", "token")),
        ]
        assert raw and all(v.startswith("enc1:") for v in raw)
        assert not any(p in v for v in raw for p in ("imap-pass", "whsec-123", "wx-app-secret", "wx-token"))
        async with db.read() as s:
            box = (await s.scalars(sa.select(Mailbox))).one()
            hook = (await s.scalars(sa.select(WebhookSubscription))).one()
            wx = (await s.scalars(sa.select(WechatAccount))).one()
        assert (box.password, hook.secret, wx.app_secret, wx.token) == (
            "imap-pass-秘密", "whsec-123", "wx-app-secret", "wx-token",
        )  # fmt: skip

    async def test_rotation_rewrites_every_value_and_plain_legacy_values(self, db: Database) -> None:
        await _seed(db)
        async with db.session() as s:  # a value stored before encryption at rest existed
            await s.execute(sa.text("UPDATE webhook_subscriptions SET secret = 'legacy-plain'"))
            await s.commit()
        before = await _raw(db, "mailboxes", "password")
        new = secretbox.parse_keys(secretbox.new_key())
        secretbox.configure(new)  # the new key first; the old one still opens old values
        async with db.transaction() as s:
            changed = await secretbox.rotate(s, Base.metadata)
        assert changed == 5  # mailbox password, webhook secret, WeChat app secret and token, SMTP password
        after = await _raw(db, "mailboxes", "password")
        assert after != before and after[0].startswith("enc1:")
        hook = (await _raw(db, "webhook_subscriptions", "secret"))[0]
        assert hook.startswith("enc1:")
        # Only the new key is needed now.
        with _only_keys(new):
            async with db.read() as s:
                assert (await s.scalars(sa.select(Mailbox))).one().password == "imap-pass-秘密"
                assert (await s.scalars(sa.select(WebhookSubscription))).one().secret == "legacy-plain"
                assert (await mail_service.relay(s)).settings.password == "smtp-授权码"
            async with db.transaction() as s:
                assert await secretbox.rotate(s, Base.metadata) == 0  # nothing left to rewrite

    async def test_a_value_no_key_opens_is_a_clear_error(self, db: Database) -> None:
        await _seed(db)
        with _only_keys(secretbox.parse_keys(secretbox.new_key())):
            async with db.read() as s:
                try:
                    await s.scalars(sa.select(Mailbox))
                    raised = False
                except secretbox.SecretBoxError:
                    raised = True
            assert raised


def test_keys_are_checked() -> None:
    with pytest.raises(secretbox.SecretBoxError):
        secretbox.parse_keys("short")
    assert len(secretbox.parse_keys(f"{secretbox.new_key()}, {secretbox.new_key()}")) == 2


def test_cluster_mode_in_production_needs_the_shared_key(tmp_path: Path) -> None:
    """Each host generating its own key would make every host unable to read the others'."""
    base = {
        "env": "prod",
        "secret_key": "s" * 40,
        "secrets_key": None,
        "data_dir": tmp_path,
        "hash_cost": "standard",
    }
    with pytest.raises(ConfigError, match="KEFU_SECRETS_KEY"):
        secrets_keys(Settings(**base, database_url="postgresql+asyncpg://kefu@db/kefu"))
    # Embedded mode keeps its generated key in the private data dir.
    key = secrets_keys(Settings(**base, database_url=f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"))
    assert secretbox.parse_keys(key) and (tmp_path / "secrets.key").stat().st_mode & 0o077 == 0
