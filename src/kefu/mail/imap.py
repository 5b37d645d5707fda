"""A blocking IMAP client for one poll of one mailbox (run in a thread). Messages are read
with BODY.PEEK[] as raw bytes, never parsed here, and flagged (or moved) only when told to,
after they are committed."""

from __future__ import annotations

import contextlib
import imaplib
import socket
from dataclasses import dataclass, field

from imap_tools import AND, MailBox, MailMessageFlags

from kefu.kit import outbound


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
    allow: tuple[str, ...] = field(default=())  # the SSRF guard's allow-list


def _guarded_client(cfg: ImapConfig) -> imaplib.IMAP4:
    """imaplib connecting through the SSRF guard: the mailbox host is resolved, every
    address checked and the socket opened to a checked one (TLS still verifies the name)."""
    policy = outbound.Policy(cfg.allow)

    class GuardedIMAP4(imaplib.IMAP4):
        def _create_socket(self, timeout: float | None) -> socket.socket:
            return outbound.connect_sync(self.host, self.port, timeout, policy)

    class GuardedIMAP4SSL(imaplib.IMAP4_SSL):
        def _create_socket(self, timeout: float | None) -> socket.socket:
            sock = outbound.connect_sync(self.host, self.port, timeout, policy)
            wrapped: socket.socket = self.ssl_context.wrap_socket(sock, server_hostname=self.host)
            return wrapped

    if cfg.ssl:
        return GuardedIMAP4SSL(cfg.host, cfg.port, timeout=cfg.timeout)
    return GuardedIMAP4(cfg.host, cfg.port, timeout=cfg.timeout)


class _GuardedBox(MailBox):
    def __init__(self, cfg: ImapConfig) -> None:
        self._cfg = cfg
        super().__init__(cfg.host, cfg.port, timeout=cfg.timeout)

    def _get_mailbox_client(self) -> imaplib.IMAP4:
        return _guarded_client(self._cfg)


class ImapSession:
    def __init__(self, cfg: ImapConfig) -> None:
        self.cfg = cfg
        self.box = _GuardedBox(cfg).login(cfg.username, cfg.password, initial_folder=cfg.folder)
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
