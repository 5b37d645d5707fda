"""All settings in one place (pydantic-settings, prefix KEFU_). Nothing else reads the env."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./var/kefu.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = DEFAULT_SQLITE_URL
    redis_url: str | None = None
    secret_key: str = "kefu-dev-secret-change-me"  # noqa: S105 - overridden in production
    host: str = "127.0.0.1"
    port: int = 8000
    # "off" disables limits (load tests on loopback); otherwise "<count>/<seconds>".
    rate_limit: str = "10/60"
    anonymous_rate_limit: str = "60/60"
    log_level: str = "INFO"
    log_json: bool | None = None  # None: JSON in prod, console otherwise
    default_locale: str = "zh_CN"
    display_timezone: str = "Asia/Shanghai"
    ticket_auto_close_days: int = 4
    advisor_group: str = "VIP专席"
    # PIPL retention: closed tickets older than this lose their texts and files (0 = keep).
    retention_days: int = 0  # dedicated advisors come from this group
    # Accepted order currencies and their fixed rate to CNY (tiers and points count in CNY).
    currency_rates: dict[str, float] = Field(
        default_factory=lambda: {"CNY": 1.0, "USD": 7.2, "HKD": 0.92, "EUR": 7.8, "JPY": 0.048}
    )  # solved tickets close after this many days
    session_days: int = 7
    token_days: int = 365
    max_body_bytes: int = 1_048_576
    secure_cookies: bool = False  # set behind TLS
    allowed_origins: list[str] = Field(default_factory=list)
    embedded_worker: bool = True  # run the job worker inside `kefu serve`
    worker_concurrency: int = 4
    job_lease_seconds: int = 300
    smtp_listen: str | None = None
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
    data_dir: Path = Path("./var")
    # Live chat: idle conversations close after these minutes; per-socket limits.
    chat_bot_idle_minutes: int = 30
    chat_idle_minutes: int = 120
    chat_messages_per_second: float = 5.0
    chat_burst: int = 20

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def parsed_rate_limit(self, value: str | None = None) -> tuple[int, float] | None:
        raw = (value if value is not None else self.rate_limit).strip().lower()
        if raw in {"off", "0", "none", ""}:
            return None
        count, _, seconds = raw.partition("/")
        return int(count), float(seconds or 60)


@lru_cache
def get_settings() -> Settings:
    return Settings()
