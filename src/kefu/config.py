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
    # Days of generated history `kefu demo` adds (reports, forecast); 0 skips it (fast tests).
    demo_history_days: int = 90
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
    # Live chat: idle conversations close after these minutes; per-socket limits.
    chat_bot_idle_minutes: int = 30
    chat_idle_minutes: int = 120
    chat_messages_per_second: float = 5.0
    chat_burst: int = 20
    # Surveys: a score at or below these opens a follow-up; links expire after N days.
    survey_csat_low: int = 2
    survey_nps_low: int = 6
    survey_expire_days: int = 14
    # Quality: share of inspected conversations/tickets sampled for a supervisor's review.
    qa_sample_percent: float = 10.0
    qa_low_score: int = 60

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
