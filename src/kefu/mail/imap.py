"""A blocking IMAP client for one poll of one mailbox (run in a thread). Messages are read
with BODY.PEEK[] as raw bytes, never parsed here, and flagged (or moved) only when told to,
after they are committed."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags


class ImapFetchError(Exception):
    """One message could not be read; the poll goes on with the next."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str = "INBOX"
    move_to: str | None = None
    timeout: float = 30.0


class ImapSession:
    def __init__(self, cfg: ImapConfig) -> None:
        self.cfg = cfg
        box = (
            MailBox(cfg.host, cfg.port, timeout=cfg.timeout)
            if cfg.ssl
            else MailBoxUnencrypted(cfg.host, cfg.port, timeout=cfg.timeout)
        )
        self.box = box.login(cfg.username, cfg.password, initial_folder=cfg.folder)
        # UIDs are only unique within one UIDVALIDITY: it is part of our dedupe key.
        self.uidvalidity = str(self.box.folder.status(cfg.folder, ["UIDVALIDITY"]).get("UIDVALIDITY", 0))

    def unseen(self, limit: int) -> list[str]:
        uids: list[str] = self.box.uids(AND(seen=False))
        return uids[:limit]

    def fetch_raw(self, uid: str) -> bytes | None:
        status, data = self.box.client.uid("fetch", uid, "(BODY.PEEK[])")
        if status != "OK":
            raise ImapFetchError(f"FETCH {uid}: {status}")
        for item in data or []:
            if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
                return item[1]
        return None  # expunged meanwhile

    def done(self, uids: list[str]) -> None:
        if not uids:
            return
        if self.cfg.move_to:
            self.box.move(uids, self.cfg.move_to)
        else:
            self.box.flag(uids, MailMessageFlags.SEEN, True)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the server may already have hung up
            self.box.logout()
