"""All settings in one place (pydantic-settings, prefix KEFU_). Nothing else reads the env."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./var/kefu.db"
DEV_SECRET_KEY = "kefu-dev-secret-change-me"  # noqa: S105 - the known-weak default, refused in prod
MIN_SECRET_CHARS = 32
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name; generated into the data dir on first dev start


class ConfigError(Exception):
    """Settings that must not be served with (e.g. a weak secret key in production)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = DEFAULT_SQLITE_URL
    redis_url: str | None = None
    redis_prefix: str | None = None  # default: see redis_namespace()
    secret_key: str = DEV_SECRET_KEY
    host: str = "127.0.0.1"
    port: int = 8000
    # "off" disables limits (load tests on loopback); otherwise "<count>/<seconds>".
    rate_limit: str = "10/60"
    anonymous_rate_limit: str = "60/60"
    log_level: str = "INFO"
    log_json: bool | None = None  # None: JSON in prod, console otherwise
    default_locale: str = "zh_CN"
    display_timezone: str = "Asia/Shanghai"
    ticket_auto_close_days: int = 4  # solved tickets close after this many days
    advisor_group: str = "VIP专席"  # dedicated advisors come from this group
    # Days of generated history `kefu demo` adds (reports, forecast); 0 skips it (fast tests).
    demo_history_days: int = 90
    # PIPL retention: closed tickets older than this lose their texts and files (0 = keep).
    retention_days: int = 0
    # Accepted order currencies and their fixed rate to CNY (tiers and points count in CNY).
    currency_rates: dict[str, float] = Field(
        default_factory=lambda: {"CNY": 1.0, "USD": 7.2, "HKD": 0.92, "EUR": 7.8, "JPY": 0.048}
    )
    session_days: int = 7
    # "test" makes argon2 cheap for test suites; refused with KEFU_ENV=prod.
    hash_cost: Literal["standard", "test"] = "standard"
    token_days: int = 365
    max_body_bytes: int = 1_048_576
    # Behind TLS: every cookie gets `Secure` and responses carry HSTS.
    secure_cookies: bool = False
    # How long browsers keep to HTTPS after one visit (Strict-Transport-Security max-age).
    hsts_seconds: int = 31_536_000
    # Addresses (IPs or CIDRs) of reverse proxies whose X-Forwarded-For is believed; from
    # anyone else the header is ignored (it would let a caller pick its rate-limit key).
    trusted_proxies: list[str] = Field(default_factory=list)
    # /metrics: a bearer token, or client addresses (IPs/CIDRs) allowed without one; with
    # neither configured it answers 404.
    metrics_token: str | None = None
    metrics_allow: list[str] = Field(default_factory=list)
    # /docs and /openapi.json: signed-in staff only; None = on except in prod.
    api_docs: bool | None = None
    # Sign-in: per account, failures beyond `login_free_failures` within the window lock the
    # account for a delay that doubles with each further failure (capped).
    login_free_failures: int = 5
    login_window_seconds: int = 900
    login_max_lock_seconds: int = 3600
    # POST /auth/token: a sign-in gets a token for this many hours (the same one again
    # while it is valid), not a new year-long token per login.
    login_token_hours: int = 12
    # Exact phone/e-mail lookups by staff who see them masked (no customers.unmask): each
    # one confirms a guess, so they get this many an hour (the 10,000 guesses a masked
    # phone needs are out of reach).
    masked_lookups_per_hour: int = 30
    # Widget sessions are rows: revoked with the conversation, expired after this idle time.
    widget_idle_hours: int = 24
    widget_max_days: int = 30
    # Outgoing connections (webhooks, bot actions, mail servers, WeChat, partner APIs) never
    # reach loopback/private/link-local addresses, except these entries: host, host:port, IP
    # or CIDR. None = nothing in prod; this server's own loopback port elsewhere (the demo ERP).
    outbound_allow: list[str] | None = None
    # Envelope encryption of integration secrets at rest: base64 32-byte keys, comma
    # separated, the first one current (older ones still decrypt). None = data_dir/secrets.key.
    secrets_key: str | None = None
    allowed_origins: list[str] = Field(default_factory=list)
    embedded_worker: bool = True  # run the job worker inside `kefu serve`
    # PostgreSQL, per process: pooled connections, and units queued for them (kit.admission):
    # at most db_pool_size units at once; one that would wait longer than db_queue_seconds,
    # or behind db_queue_max others, is refused as retryable (503 / an `overloaded` frame).
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)  # extra connections for units nested in a unit
    db_queue_seconds: float = Field(default=15.0, gt=0)  # longest wait for a connection, then 503
    db_queue_max: int = Field(default=2000, ge=0)  # most units waiting per process, then 503
    worker_concurrency: int = 4
    # A job worker looks for due jobs (and schedules periodic ones) this often; jobs committed
    # meanwhile wake it at once (a hint over Redis in cluster mode, kit.jobs), so this bounds
    # only a lost hint's delay.
    job_poll_seconds: float = Field(default=1.0, gt=0)
    job_lease_seconds: int = 300
    # A serving process logs `loop.stall`, with the stack that held it, when its event loop
    # is held this long (every socket's reply waits meanwhile); 0 turns the watch off.
    loop_stall_ms: int = Field(default=250, ge=0)
    # Inbound mail: "host:port" of the built-in SMTP listener (started by `kefu serve`).
    smtp_listen: str | None = None
    smtp_max_bytes: int = 25 * 1024 * 1024  # larger mail is refused with 552
    # Empty: accept every recipient (the listener sits behind the company's MX and never
    # relays). Otherwise only mapped addresses and these domains (550 for the rest).
    mail_domains: list[str] = Field(default_factory=list)
    # Loop breaker: more than this many mails from one sender within the window are held.
    mail_loop_max: int = 20
    mail_loop_minutes: int = 10
    # Outgoing mail (replies, notifications, sign-in links). No host: mail is kept as "held".
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "kefu@localhost"
    public_url: str = "http://127.0.0.1:8000"
    # Hosts (names or IPs) webhooks may reach even though they resolve to private,
    # loopback or link-local addresses; everything else internal is refused (SSRF).
    webhook_allowed_hosts: list[str] = Field(default_factory=list)
    webhook_timeout_seconds: float = 10.0
    # WeChat platform API (accounts may override it); callbacks older than the window, or a
    # nonce seen again with another body, are refused as replays.
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_replay_window_seconds: int = 300
    # A call that ended unanswered becomes a call-back task after this grace (late events).
    phone_missed_grace_seconds: int = 10
    data_dir: Path = Path("./var")
    # Embeddings of bot training texts, shared by every process of this user (training
    # re-reads them instead of re-encoding; chat messages are never written there).
    # None = $XDG_CACHE_HOME/kefu, else ~/.cache/kefu.
    cache_dir: Path | None = None
    embedding_cache: bool = True
    # Live chat: idle conversations close after these minutes; per-socket limits.
    chat_bot_idle_minutes: int = 30
    chat_idle_minutes: int = 120
    chat_messages_per_second: float = 5.0
    chat_burst: int = 20
    # Presence: each agent socket refreshes the agent's heartbeat this often; an agent with
    # no fresh heartbeat for the grace period gets no new work and becomes away.
    presence_heartbeat_seconds: float = 20.0
    presence_grace_seconds: float = 60.0
    # Surveys: a score at or below these opens a follow-up; links expire after N days.
    survey_csat_low: int = 2
    survey_nps_low: int = 6
    survey_expire_days: int = 14
    # Quality: share of inspected conversations/tickets sampled for a supervisor's review.
    qa_sample_percent: float = 10.0
    qa_low_score: int = 60

    @model_validator(mode="after")
    def _no_test_shortcuts_in_production(self) -> Settings:
        if self.env == "prod" and self.hash_cost != "standard":
            raise ValueError("KEFU_HASH_COST=test is for test suites, never production")
        return self

    @property
    def demo_mode(self) -> bool:
        """The demo company's stand-in systems (the demo ERP under /demo-erp) are served;
        never in production (KEFU_ENV=prod)."""
        return self.env != "prod"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def redis_namespace(self) -> str:
        """Prefix of every Redis key and pub/sub channel: `KEFU_REDIS_PREFIX`, else one per
        database name, so two installations (or parallel test runs) sharing one Redis never
        see each other's hints and limits. Processes of one install share the database name
        however they spell its host."""
        if self.redis_prefix:
            return self.redis_prefix
        name = self.database_url.rsplit("/", 1)[-1].split("?", 1)[0] or "kefu"
        return f"kefu:{name}:"

    @property
    def limits_off(self) -> bool:
        """KEFU_RATE_LIMIT=off turns every limit off (load tests on loopback), the anonymous
        widget limits and per-socket send rates included."""
        return self.rate_limit.strip().lower() in {"off", "0", "none", ""}

    def parsed_rate_limit(self, value: str | None = None) -> tuple[int, float] | None:
        raw = (value if value is not None else self.rate_limit).strip().lower()
        if raw in {"off", "0", "none", ""} or self.limits_off:
            return None
        count, _, seconds = raw.partition("/")
        return int(count), float(seconds or 60)

    def secret_key_problem(self) -> str | None:
        if self.secret_key == DEV_SECRET_KEY:
            return "KEFU_SECRET_KEY is missing (the development default is in use)"
        if len(self.secret_key) < MIN_SECRET_CHARS:
            return f"KEFU_SECRET_KEY is shorter than {MIN_SECRET_CHARS} characters"
        return None

    def effective_cache_dir(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        xdg = os.environ.get("XDG_CACHE_HOME")
        return (Path(xdg) if xdg else Path.home() / ".cache") / "kefu"

    def effective_outbound_allow(self) -> list[str]:
        if self.outbound_allow is not None:
            return [*self.outbound_allow, *self.webhook_allowed_hosts]
        own = [] if self.env == "prod" else [f"127.0.0.1:{self.port}", f"localhost:{self.port}"]
        return [*own, *self.webhook_allowed_hosts]

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.env != "prod"


def private_dir(path: Path) -> Path:
    """Create (or tighten) a directory only the service user may enter; the files already in
    it (database, keys) become 0600."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    for child in path.iterdir():
        if child.is_file() and not child.is_symlink():
            os.chmod(child, 0o600)
    return path


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    raw = url.split("///", 1)[1] if "///" in url else ""
    return Path(raw.split("?", 1)[0]) if raw and raw != ":memory:" else None


def prepare_runtime(settings: Settings) -> Settings:
    """Refuse a weak secret key in production; elsewhere warn loudly and use a generated one
    kept in the data dir (0600), so a dev server never signs with the published default."""
    problem = settings.secret_key_problem()
    if problem is None:
        return settings
    if settings.env == "prod":
        raise ConfigError(
            f"{problem}. Production (KEFU_ENV=prod) needs a random KEFU_SECRET_KEY of at least "
            f"{MIN_SECRET_CHARS} characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    path = private_dir(settings.data_dir) / SECRET_KEY_FILE
    if path.exists():
        key = path.read_text().strip()
    else:
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key + "\n")
    if len(key) < MIN_SECRET_CHARS:
        raise ConfigError(f"{path} holds a secret key shorter than {MIN_SECRET_CHARS} characters")
    if settings.env != "test":
        print(  # before logging is configured, and it must be seen
            f"WARNING: {problem}; using the generated key in {path}. "
            "Set a strong KEFU_SECRET_KEY (and KEFU_ENV=prod) in production.",
            file=sys.stderr,
        )
    return settings.model_copy(update={"secret_key": key})


SECRETS_KEY_FILE = "secrets.key"


def secrets_keys(settings: Settings) -> str:
    """The keys integration secrets are encrypted with (comma-separated base64, current
    first): `KEFU_SECRETS_KEY`, or a key generated once into the private data dir (0600).
    Keep that file with the backups: without it the stored secrets cannot be read."""
    if settings.secrets_key:
        return settings.secrets_key
    if settings.env == "prod" and not settings.is_sqlite:
        raise ConfigError(
            "cluster mode (PostgreSQL) with KEFU_ENV=prod needs KEFU_SECRETS_KEY, the same on "
            "every process (`kefu secrets new-key` prints one): each host's own generated key "
            "could not read what the others stored"
        )
    path = private_dir(settings.data_dir) / SECRETS_KEY_FILE
    if not path.exists():
        import base64

        key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        with contextlib.suppress(FileExistsError):  # another process made it first
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(key + "\n")
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    """Settings read from the environment. Entry points only (app, cli, worker): everything
    else reads the installed ones through `current_settings()` (a ruff banned-api rule)."""
    return Settings()


_installed: Settings | None = None


def install(settings: Settings) -> Settings:
    """Make `settings` this process's one Settings. `create_app`, the CLI and the worker
    install theirs before anything runs; services read them with `current_settings()`."""
    global _installed
    _installed = settings
    return settings


def uninstall() -> None:
    """Forget the installed Settings (tests, between cases)."""
    global _installed
    _installed = None


def current_settings() -> Settings:
    """The installed Settings; in a process that installed none (a one-off script, a service
    test without an app) the environment's."""
    return _installed if _installed is not None else get_settings()
