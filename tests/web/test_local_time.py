"""Stored times (naive UTC) are shown on the pages as Swedish time, summer time included."""

from __future__ import annotations

from datetime import UTC, datetime

from jamfor.web.i18n import local_time


def test_winter_and_summer_time() -> None:
    assert local_time(datetime(2026, 1, 15, 23, 30)) == "2026-01-16 00:30"  # CET, UTC+1: the next day
    assert local_time(datetime(2026, 7, 1, 8, 5, 9), seconds=True) == "2026-07-01 10:05:09"  # CEST, UTC+2
    assert local_time(datetime(2026, 3, 29, 0, 59)) == "2026-03-29 01:59"  # the hour before the change
    assert local_time(datetime(2026, 3, 29, 1, 0)) == "2026-03-29 03:00"  # and after it


def test_aware_times_and_none() -> None:
    assert local_time(datetime(2026, 7, 1, 8, 0, tzinfo=UTC)) == "2026-07-01 10:00"
    assert local_time(None) == "–"
