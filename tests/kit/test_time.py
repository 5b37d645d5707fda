"""Every stored instant is aware UTC: what `ensure_utc` makes of each kind of value a
database driver hands back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from kefu.kit.time import ensure_utc


def test_a_naive_value_is_the_same_wall_clock_in_utc() -> None:
    # SQLite stores naive text: 10:00:05.000123 read back is 10:00:05.000123 UTC, not local time.
    got = ensure_utc(datetime(2025, 3, 8, 10, 0, 5, 123))
    assert got == datetime(2025, 3, 8, 10, 0, 5, 123, tzinfo=UTC)
    assert got.tzinfo is UTC


def test_an_aware_value_in_another_zone_is_converted() -> None:
    beijing = timezone(timedelta(hours=8))
    got = ensure_utc(datetime(2025, 3, 8, 18, 0, tzinfo=beijing))
    assert (got.hour, got.tzinfo) == (10, UTC)


def test_a_utc_value_passes_unchanged() -> None:
    value = datetime(2025, 3, 8, 10, tzinfo=UTC)
    assert ensure_utc(value) is value
