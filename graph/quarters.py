"""Quarters (``2020Q3``): the one place that parses, checks, orders and steps them.

>>> key("2020Q3") < key("2020Q4") < key("2021Q1")
True
>>> latest(["2020Q4", "2021Q1", None, "2020Q2"]), previous("2021Q1"), end("2020Q4")
('2021Q1', '2020Q4', datetime.date(2020, 12, 31))
>>> between("2020Q2", "2021Q1")
3
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from .errors import BadRequest

#: A quarter as BeltGraph writes it.
PATTERN = re.compile(r"^(\d{4})Q([1-4])$")
#: A quarter as a bundle may give it (``2020Q3``, ``2020-Q3``, ``2020 q3``), for the loaders.
INPUT_PATTERN = r"^(?P<y>\d{4})\s*[-_ ]?\s*[Qq](?P<q>[1-4])$"


def key(q: str) -> tuple[int, int]:
    """(year, quarter) for ordering; (0, 0) for text that is not a quarter."""
    m = PATTERN.match(q or "")
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def check(q: str) -> str:
    """A user's quarter, upper-cased; BadRequest if it is not one."""
    q = q.strip().upper()
    if not PATTERN.match(q):
        raise BadRequest(f"bad quarter {q!r}: expected YYYYQn, e.g. 2020Q3")
    return q


def latest(quarters: Iterable[str | None]) -> str | None:
    """The latest of some quarters (ignoring empty and malformed ones), or None."""
    valid = [q for q in quarters if q and PATTERN.match(q)]
    return max(valid, key=key) if valid else None


def previous(q: str) -> str:
    """The quarter before ``q``.

    >>> previous('2020Q1')
    '2019Q4'
    """
    y, n = key(check(q))
    return f"{y - 1}Q4" if n == 1 else f"{y}Q{n - 1}"


def between(a: str, b: str) -> int:
    """How many quarters from ``a`` to ``b`` (never negative)."""
    ya, qa = key(a)
    yb, qb = key(b)
    return max(0, (yb - ya) * 4 + (qb - qa))


def end(q: str) -> dt.date:
    """The last day of a quarter.

    >>> end("2020Q1")
    datetime.date(2020, 3, 31)
    """
    y, n = key(q)
    return dt.date(y + (n == 4), (3 * n) % 12 + 1, 1) - dt.timedelta(days=1)
