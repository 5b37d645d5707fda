"""Open chat sockets re-read their widget session about every RECHECK_SECONDS. Sockets that
opened together must not re-check together: at 10,000 sockets opened in 30 s the re-checks
(a read and a session touch each) came as one burst every 10 min and backed up the chat."""

from __future__ import annotations

from kefu.gateway.chat import RECHECK_SECONDS, next_recheck


def test_sockets_opened_together_recheck_spread_over_ten_minutes() -> None:
    opened = 1000.0
    times = sorted(next_recheck(opened) - opened for _ in range(10_000))
    assert times[0] >= RECHECK_SECONDS * 0.5 and times[-1] <= RECHECK_SECONDS * 1.5
    # Spread evenly: any 30 s holds ~5 % of the re-checks (it held all of them).
    window, i, worst = 30.0, 0, 0
    for j, t in enumerate(times):
        while t - times[i] > window:
            i += 1
        worst = max(worst, j - i + 1)
    assert worst < 0.08 * len(times)
