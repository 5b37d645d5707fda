"""Forecast (pure): recovers a known weekly × intraday pattern, treats China's statutory
holidays and make-up workdays as the calendar does, and its backtest error is small."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from kefu.wfm.forecast import HOLIDAY, SLOTS, backtest, day_kind, fit, forecast, mape

WEEK = [600, 550, 500, 525, 650, 350, 275]  # Mon..Sun daily contacts
SHAPE = np.exp(-(((np.arange(SLOTS) - 22) / 6) ** 2))  # busiest at 11:00
SHAPE /= SHAPE.sum()
FIRST = date(2026, 6, 1)  # a Monday; the window holds 端午 (Jun 19–21) and 中秋/国庆 days


def synthetic(days: int, *, trend: float = 0.0, holiday_total: float = 200, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.zeros((days, SLOTS))
    for d in range(days):
        k = day_kind(FIRST + timedelta(days=d))
        total = (WEEK[k] if k != HOLIDAY else holiday_total) * (1 + trend * d)
        out[d] = rng.poisson(total * SHAPE)
    return out


class TestDayKind:
    def test_statutory_holiday_and_make_up_workday(self) -> None:
        assert day_kind(date(2026, 10, 1)) == HOLIDAY  # 国庆
        assert day_kind(date(2026, 10, 10)) == 0  # Saturday 调休: works like a Monday
        assert day_kind(date(2026, 11, 11)) == 2  # 双十一 is an ordinary Wednesday


class TestForecast:
    def test_recovers_weekly_and_intraday_seasonality(self) -> None:
        history = synthetic(84)
        start = FIRST + timedelta(days=84)  # Monday Aug 24
        fc = forecast(history, FIRST, start, 7)
        for d in range(7):
            expected = WEEK[(start + timedelta(days=d)).weekday()]
            assert fc[d].sum() == pytest.approx(expected, rel=0.08)
        # The busiest forecast slot is the true peak (11:00) within half an hour.
        assert abs(int(np.argmax(fc[0])) - 22) <= 1
        assert fc[0][:8].sum() < 0.01 * fc[0].sum()  # nights stay quiet

    def test_follows_a_trend(self) -> None:
        history = synthetic(84, trend=0.004)  # +0.4 % a day
        start = FIRST + timedelta(days=84)
        fc = forecast(history, FIRST, start, 1)
        assert fc[0].sum() > WEEK[0] * 1.2  # grown ~30 % since the start, at least 20 % seen

    def test_holidays_follow_the_holiday_level(self) -> None:
        history = synthetic(122, holiday_total=150)  # to Sep 30, with 端午 and 中秋 holidays inside
        start = date(2026, 10, 1)
        fc = forecast(history, FIRST, start, 10)
        holiday, make_up = fc[0].sum(), fc[9].sum()  # Oct 1 (国庆), Oct 10 (Saturday 调休)
        assert holiday == pytest.approx(150, rel=0.25)
        assert make_up == pytest.approx(WEEK[0], rel=0.15)

    def test_only_uses_history_before_the_start(self) -> None:
        history = synthetic(84)
        spiked = history.copy()
        spiked[70:] *= 10
        start = FIRST + timedelta(days=70)
        assert np.allclose(forecast(history, FIRST, start, 7), forecast(spiked, FIRST, start, 7))

    def test_bad_history_shape_is_refused(self) -> None:
        with pytest.raises(ValueError, match="48"):
            fit(np.zeros((10, 24)), FIRST)


class TestBacktest:
    def test_mape_is_small_on_a_regular_history(self) -> None:
        rows = backtest(synthetic(91), FIRST, days=28, horizon=7)
        assert len(rows) == 28
        error = mape(rows)
        assert error is not None and error < 0.08  # Poisson noise alone is ~4 % a day
