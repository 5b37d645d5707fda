"""Timing and frequency rules for outreach (pure): quiet hours in the company's time zone,
frequency caps, and which sends need marketing consent.

PIPL: a **marketing** message (greetings, campaigns, anything that promotes) goes only to a
customer who granted marketing consent and has not unsubscribed; a **service** notice (a
coupon or points credited to their account, a tier change, an apology for a late delivery)
is information about their own account or order and goes without marketing consent. Both
respect quiet hours; caps count marketing sends only (a service notice is never dropped to
make room, nor does it use up the allowance).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

SERVICE = "service"
MARKETING = "marketing"
CHANNELS = ("email", "sms", "wechat", "app")


class Cap(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_sends: int = Field(default=2, ge=0, le=1000)
    per_days: int = Field(default=7, ge=1, le=365)


class OutreachPolicy(BaseModel):
    """Admin-editable: quiet hours (local time) and caps per channel."""

    model_config = ConfigDict(extra="forbid")
    company: str = Field(default="星辰电子", max_length=60)  # {company} in templates
    timezone: str = "Asia/Shanghai"
    quiet_start: str = Field(default="21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    quiet_end: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    caps: dict[str, Cap] = Field(default_factory=lambda: {c: Cap() for c in CHANNELS})
    # Opens (a 1-pixel image in HTML mail) and clicks (signed redirects) are recorded.
    tracking: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @field_validator("caps")
    @classmethod
    def _known_channels(cls, value: dict[str, Cap]) -> dict[str, Cap]:
        unknown = set(value) - set(CHANNELS)
        if unknown:
            raise ValueError(f"unknown channel {sorted(unknown)}")
        return value

    def cap(self, channel: str) -> Cap:
        return self.caps.get(channel) or Cap()


def _hm(text: str) -> time:
    h, m = text.split(":")
    return time(int(h), int(m))


def quiet_until(now: datetime, policy: OutreachPolicy) -> datetime | None:
    """When quiet hours end if `now` (aware) falls inside them, else None. A window may
    cross midnight (21:00–08:00); start == end means no quiet hours."""
    zone = ZoneInfo(policy.timezone)
    local = now.astimezone(zone)
    start, end = _hm(policy.quiet_start), _hm(policy.quiet_end)
    if start == end:
        return None
    t = local.timetz().replace(tzinfo=None)
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:
        inside = t >= start or t < end
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)


def needs_consent(purpose: str) -> bool:
    return purpose != SERVICE


def counts_against_cap(purpose: str) -> bool:
    return purpose != SERVICE


def over_cap(sent_in_window: int, cap: Cap) -> bool:
    return sent_in_window >= cap.max_sends


def anniversary_due(first: date, today: date) -> int:
    """The purchase anniversary due today (or earlier this month, if a run was missed): the
    number of years, 0 when none (29 Feb counts on the month's last day)."""
    years = today.year - first.year
    if years < 1 or first.month != today.month:
        return 0
    return years if birthday_due(first.month, first.day, today) else 0


def birthday_due(birth_month: int, birth_day: int, today: date) -> bool:
    """A birthday greeting is due from the birthday to the end of its month (a worker that
    was down on the day still sends it; 29 Feb is due on the month's last day)."""
    if birth_month != today.month:
        return False
    last_day = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return birth_day <= today.day or today == last_day


MONTHLY_DAY = 1  # monthly content goes out on the 1st (local), or later that month if a run was missed


def monthly_due(created: date, today: date) -> bool:
    """Monthly content is due from this month's send date (the 1st) to the month's end, but
    only for a journey that existed on that date: one created on the 15th waits for the 1st
    of next month instead of sending at once (its audience expects the month's issue then)."""
    scheduled = today.replace(day=MONTHLY_DAY)
    return scheduled <= today and created <= scheduled


HOLIDAYS = (
    "new_years_day",
    "spring_festival",
    "tomb_sweeping_day",
    "labour_day",
    "dragon_boat_festival",
    "mid_autumn_festival",
    "national_day",
)


def holiday_due(holiday: str, today: date) -> bool:
    """A greeting for a mainland statutory holiday is due on its days off (from the official
    calendar data, so 春节 and 中秋 follow the lunar calendar); a year the data does not know
    sends nothing rather than on a guessed day."""
    import chinese_calendar

    try:
        on, name = chinese_calendar.get_holiday_detail(today)
    except NotImplementedError:
        return False
    if not on or not name:
        return False
    wanted = getattr(chinese_calendar.constants.Holiday, holiday, None)
    return wanted is not None and name == wanted.value
