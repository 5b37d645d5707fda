"""Write docs/config.md from kefu.config.Settings: every KEFU_ setting, its type, default and
meaning (the comments beside the field in config.py, or the table below).

    python scripts/config_reference.py           # rewrite docs/config.md
    python scripts/config_reference.py --check   # exit 1 when the doc is out of date
"""

from __future__ import annotations

import ast
import io
import json
import sys
import tokenize
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "src" / "kefu" / "config.py"
DOC = ROOT / "docs" / "config.md"

# Meanings of settings config.py leaves uncommented (its comments win when present).
MEANINGS = {
    "cache_dir": "Folder for the bot-training embedding cache (default $XDG_CACHE_HOME/kefu, else ~/.cache/kefu).",
    "embedding_cache": "Keep embeddings of bot training texts on disk between processes (chat messages are never written there).",
    "metrics_allow": "Client addresses (IPs or CIDRs) allowed to read `/metrics` without the token",
    "login_window_seconds": "Window in which failed sign-ins count towards a lock",
    "login_max_lock_seconds": "Longest lock after repeated failed sign-ins (the delay doubles up to this)",
    "widget_max_days": "A widget session ends after this many days even while in use",
    "presence_grace_seconds": "An agent whose pages stopped sending heartbeats is set away after this many seconds",
    "env": "`dev`, `test` or `prod`. In `prod`, `kefu serve` refuses to start without a strong `KEFU_SECRET_KEY`",
    "database_url": "SQLAlchemy URL: SQLite (embedded) or `postgresql+asyncpg://user:pass@host/db` (cluster)",
    "redis_url": "Redis for realtime fan-out between processes (cluster mode); unset = in-process bus",
    "secret_key": "Signs sessions, tokens and CSRF; at least 32 random characters in production",
    "host": "Bind address of `kefu serve`",
    "port": "Port of `kefu serve`",
    "anonymous_rate_limit": "Limit for anonymous endpoints (widget), `<count>/<seconds>` or `off`",
    "log_level": "Log level (DEBUG, INFO, WARNING, ERROR)",
    "default_locale": "UI language when the browser asks for none we have (`zh_CN` or `en`)",
    "display_timezone": "Time zone for dates shown to people and for report days",
    "session_days": "Staff web sessions expire after this many days",
    "token_days": "API tokens expire after this many days",
    "max_body_bytes": "Largest request body (uploads have their own, larger limit)",
    "secure_cookies": "Mark cookies Secure (set when served over TLS)",
    "allowed_origins": "Extra origins allowed for browser requests and WebSocket handshakes (JSON list)",
    "worker_concurrency": "Jobs one worker runs at once",
    "job_lease_seconds": "A claimed job not finished within this time is claimed again (crashed worker)",
    "smtp_host": "Outgoing mail server; unset keeps outgoing mail as held. The `KEFU_SMTP_*` values are "
    "the default until an admin saves the relay on /admin/mail (发信服务器); from then on the page "
    "decides (its password sealed at rest)",
    "smtp_port": "Outgoing mail server port",
    "smtp_user": "Outgoing mail user",
    "smtp_password": "Outgoing mail password",
    "smtp_starttls": "Use STARTTLS for outgoing mail",
    "mail_from": "From address of mail kefu sends",
    "public_url": "The address customers and agents use (links in mail, surveys, callbacks)",
    "webhook_timeout_seconds": "Timeout of one webhook delivery",
    "data_dir": "Private data directory: attachments, chat files, trained models (back it up)",
    "chat_messages_per_second": "Per-socket message rate (token bucket refill)",
    "chat_burst": "Per-socket message burst (token bucket size)",
    "mail_loop_minutes": "Window of the mail loop breaker (see `KEFU_MAIL_LOOP_MAX`)",
    "chat_idle_minutes": "Conversations with a human close after this many idle minutes",
    "survey_nps_low": "An NPS answer at or below this score opens a follow-up",
    "survey_expire_days": "Survey links expire after this many days",
    "wechat_api_base": "WeChat platform API base (accounts may override it)",
    "wechat_replay_window_seconds": "WeChat callbacks older than this, or a nonce seen again with another body, are refused",
    "chat_bot_idle_minutes": "Conversations still with the bot close after this many idle minutes",
    "survey_csat_low": "A CSAT answer at or below this score (1–5) opens a follow-up",
    "smtp_listen": "Inbound mail: `host:port` of the built-in SMTP listener started by `kefu serve`",
    "qa_low_score": "A quality review at or below this score is flagged",
}


def _comments() -> dict[str, str]:
    """Field name → the comment on its line, else the comment lines just above it."""
    source = CONFIG.read_text(encoding="utf-8")
    lines = source.splitlines()
    trailing: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            trailing[tok.start[0]] = tok.string.lstrip("#").strip()
    out: dict[str, str] = {}
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    for node in cls.body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        line = node.lineno
        text = trailing.get(line, "")
        if not text or text.startswith("noqa"):
            above: list[str] = []
            n = line - 1
            while n >= 1 and lines[n - 1].strip().startswith("#"):
                above.insert(0, lines[n - 1].strip().lstrip("#").strip())
                n -= 1
            text = " ".join(above)
        out[node.target.id] = text.split("  # noqa")[0].removeprefix("noqa: S105 - ").strip()
    return out


def _default(value: Any) -> str:
    if value is None:
        return "*(unset)*"
    if isinstance(value, Path):
        return f"`{value.as_posix()}`"
    if isinstance(value, dict | list | bool):
        return f"`{json.dumps(value, ensure_ascii=False)}`"
    return f"`{value}`"


def render() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from kefu.config import Settings

    comments = _comments()
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
        meaning = MEANINGS.get(name) or comments.get(name) or ""
        if not meaning:
            raise SystemExit(f"config.py: setting {name!r} has no comment and no entry in MEANINGS")
        kind = (
            str(field.annotation)
            .replace("typing.", "")
            .replace("<class '", "")
            .replace("'>", "")
            .replace(" | ", " or ")
        )
        rows.append(
            f"| `KEFU_{name.upper()}` | `{kind}` | {_default(default)} | {meaning.replace('|', '/')} |"
        )
    return (
        "# Configuration reference\n\n"
        "Generated from `src/kefu/config.py` by `scripts/config_reference.py` (a test fails when this\n"
        "file is out of date). Every setting is an environment variable with the `KEFU_` prefix;\n"
        "nothing else in kefu reads the environment. Lists and maps are JSON\n"
        "(`KEFU_ALLOWED_ORIGINS='[\"https://shop.example\"]'`).\n\n"
        "| variable | type | default | meaning |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
            print("docs/config.md is out of date: run python scripts/config_reference.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
