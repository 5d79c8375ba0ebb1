"""The ranges of the numbers a user gives, in one place.

The library checks every number it is given against these (:func:`checked_number`), and the
CLI builds its options' ranges from them, so that a value is refused the same way whichever
door it comes in by. The ceilings are far past any real workload; past them a number is surely
a typo, and the sums made of it (a year of a simulated chat's requests, in exact decimals)
would no longer be exact.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from tokcost.errors import OptionError

MAX_TURNS = 100_000  # each turn is a step of the simulation
# Tokens of one message or one request: 500 times the largest context window (2 million).
MAX_TOKENS = 1_000_000_000
MAX_REQUESTS_PER_DAY = 10**15  # a million times all the LLM requests sent in a day
MAX_WEB_SEARCHES = 10_000  # per request
MAX_JOBS = 1024  # worker processes
MAX_MIN_RECORDS = 1_000_000_000  # calibrate --min-records
# Of a display currency to one US dollar. The floor is far below the dearest money there is
# (a bitcoin is some 1e-5 to the dollar) and the ceiling far above the cheapest (the rial,
# about 1e6); past them a rate is a typo, and amounts shown in it would be hundreds of digits.
MIN_CURRENCY_RATE = Decimal("0.000001")
MAX_CURRENCY_RATE = Decimal(10**9)
MAX_WINDOW_DAYS = 36_600  # project --window-days: a century of days


def checked_number(name: str, value: object, low: Decimal | int, high: Decimal | int, *,
                   above_low: bool = False) -> Decimal:
    """``value`` (a number or its text) as a Decimal, if it is a finite number from ``low`` to
    ``high`` (more than ``low`` with ``above_low``); else an OptionError naming ``name``."""
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        number = Decimal("NaN")
    # NaN is refused first: a Decimal NaN raises when compared.
    if isinstance(value, bool) or not number.is_finite() or number > high \
            or (number <= low if above_low else number < low):
        lowest = f"more than {low}" if above_low else f"from {low}"
        raise OptionError(f"{name} must be a number {lowest} to {high:,}, not {value!r}")
    return number


def checked_whole(name: str, value: int | None, low: int, high: int) -> None:
    """Refuse a whole number (None: not given) outside ``low`` to ``high``."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise OptionError(f"{name} must be a whole number from {low:,} to {high:,}, not "
                           f"{value!r}")
