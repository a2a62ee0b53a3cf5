"""Five-field cron expressions (minute hour day-of-month month day-of-week) with ``*``, lists, ranges,
steps and month/day names. No macros, no ``?``, ``L``, ``W`` or ``#``."""
from __future__ import annotations

import re
from typing import List, Optional, Set, Tuple

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_SEPARATORS = re.compile(r"[ \t]+")
_INT = re.compile(r"[+-]?[0-9]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")


class CronError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _swift_int(text: str) -> Optional[int]:
    """``Int(text)``: an optional sign and ASCII digits, within 64 bits."""
    if not _INT.fullmatch(text):
        return None
    n = int(text)
    return n if -(1 << 63) <= n < (1 << 63) else None


class CronExpression:
    def __init__(self, text: str) -> None:
        fields = [f for f in _SEPARATORS.split(text) if f]
        if len(fields) != 5:
            raise CronError(f"expected 5 fields (minute hour day-of-month month day-of-week), found {len(fields)}")
        self.text = text
        self.minutes = _field(fields[0], "minute", (0, 59), [])
        self.hours = _field(fields[1], "hour", (0, 23), [])
        self.days_of_month = _field(fields[2], "day-of-month", (1, 31), [])
        self.months = _field(fields[3], "month", (1, 12), _MONTHS, 1)
        dow = _field(fields[4], "day-of-week", (0, 7), _DAYS)
        if 7 in dow:
            dow.discard(7)
            dow.add(0)
        self.days_of_week = dow
        self.dom_restricted = fields[2] != "*"
        self.dow_restricted = fields[4] != "*"

    def day_matches(self, day: int, weekday: int) -> bool:
        if self.dom_restricted and self.dow_restricted:
            return day in self.days_of_month or weekday in self.days_of_week
        if self.dom_restricted:
            return day in self.days_of_month
        if self.dow_restricted:
            return weekday in self.days_of_week
        return True


def _field(text: str, name: str, bounds: Tuple[int, int], names: List[str], base: int = 0) -> Set[int]:
    lo_bound, hi_bound = bounds
    result: Set[int] = set()
    for part in text.split(","):
        if part == "":
            raise CronError(f"empty list item in the {name} field")
        body = part
        step = 1
        if "/" in body:
            slash = body.index("/")
            s = _swift_int(body[slash + 1:])
            if s is None or s < 1 or s > hi_bound:
                raise CronError(f"invalid step in the {name} field: {part}")
            step = s
            body = body[:slash]
        if body == "*":
            lower, upper = lo_bound, hi_bound
        elif "-" in body:
            dash = body.index("-")
            lower = _value(body[:dash], name, bounds, names, base)
            upper = _value(body[dash + 1:], name, bounds, names, base)
            if lower > upper:
                raise CronError(f"range {body} in the {name} field runs backwards")
        else:
            lower = _value(body, name, bounds, names, base)
            upper = hi_bound if "/" in part else lower
        result.update(range(lower, upper + 1, step))
    return result


def _value(text: str, name: str, bounds: Tuple[int, int], names: List[str], base: int) -> int:
    upper = text.upper()
    if upper in names:
        return names.index(upper) + base
    if not text or not _ASCII_DIGITS.fullmatch(text):
        raise CronError(f'"{text}" is not a valid {name}')
    n = _swift_int(text)
    if n is None:
        raise CronError(f'"{text}" is not a valid {name}')
    if not bounds[0] <= n <= bounds[1]:
        raise CronError(f"{n} is outside {bounds[0]}–{bounds[1]} for the {name} field")
    return n
