"""The in-process sliding-window counters behind the rate limits when there is no Redis."""

from sync_server.counters import LocalCounters, retry_after


def test_the_limit_holds_within_a_window_and_says_how_long_to_wait() -> None:
    counters = LocalCounters()
    start = 6000.0  # the start of a 60 s window
    assert all(counters.hit("ip:a", 100, 60, start + n * 0.1) is None for n in range(100))
    wait = counters.hit("ip:a", 100, 60, start + 10)
    assert wait is not None
    assert 50 <= wait <= 110
    assert counters.hit("ip:b", 100, 60, start + 10) is None  # other keys are apart


def test_the_last_window_weighs_less_as_it_slides_away() -> None:
    counters = LocalCounters()
    for n in range(100):
        counters.hit("k", 100, 60, 6000.0 + n * 0.5)  # full in the first window
    # 30 s into the next window half of the last one still counts: 50 more fit
    allowed = sum(counters.hit("k", 100, 60, 6090.0) is None for _ in range(60))
    assert allowed == 50
    wait = counters.hit("k", 100, 60, 6090.0)
    assert wait is not None
    assert retry_after(wait) >= 1
    assert counters.hit("k", 100, 60, 6090.0 + wait + 0.01) is None  # waiting enough works


def test_stale_keys_are_swept_but_long_windows_are_kept() -> None:
    counters = LocalCounters()
    counters.hit("ip:old", 100, 60, 1000.0)
    counters.hit("user:u", 1000, 3600, 1000.0)
    counters.hit("ip:new", 100, 60, 1200.0)  # a minute later: a sweep
    assert "ip:old" not in counters._counts
    assert "user:u" in counters._counts
