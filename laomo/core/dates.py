"""Dates and times as people here write them: Beijing time, 2025年3月5日 14:30.

Every page, document and log line that shows a moment goes through these, so that no raw UTC
(``2025-03-04 22:30:00+00:00``) or ISO text reaches a reader.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.utils import timezone

# An ISO date or date-time as str() and isoformat() write them, possibly with an offset.
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)


def local(value: datetime) -> datetime:
    """The moment in the site's zone (Asia/Shanghai); a naive value is taken as already local."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def cn_date(value) -> str:
    """2025年3月5日; a date-time gives its Beijing date."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value) -> str:
    """2025年3月5日 14:30, in Beijing time."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return cn_date(value)
    value = local(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def cn_moment(value) -> str:
    """Any value a log or a change record holds, with dates and date-times (also as the ISO text
    stored in older entries) in Chinese format and Beijing time; anything else unchanged."""
    if isinstance(value, datetime):
        return cn_datetime(value)
    if isinstance(value, date):
        return cn_date(value)
    if isinstance(value, str) and _ISO.match(value.strip()):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return value
        if len(text) == 10:
            return cn_date(parsed.date())
        return cn_datetime(parsed)
    return value
