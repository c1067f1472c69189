""" "Today" in the service's time zone: the one place that reads the clock."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def today(zone: ZoneInfo) -> date:
    return datetime.now(zone).date()
