"""One place that turns rows into a table, CSV, TSV, JSON, JSON Lines or Markdown.

Commands compute rows (plain dicts of raw values: str, int, Decimal, bool, None) and describe
their columns; this module renders them. Machine formats carry raw numbers at full precision;
the table and Markdown are for people: thousands separators and dollar amounts.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, getcontext
from enum import Enum
from typing import IO, Any, Literal, NamedTuple

from tokcost.limits import MAX_CURRENCY_RATE, MIN_CURRENCY_RATE

# "money": an amount in a display currency the user gave a rate for (--currency).
ColumnKind = Literal["text", "int", "usd", "money", "price", "decimal", "pct", "bool"]


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"


class Column(NamedTuple):
    """A column's name (the key in each row, and the header) and how to show its values.

    For a table on a narrow terminal: ``short``, a shorter header, and ``drop``, the order in
    which columns are left out to fit (the highest first; 0: always kept)."""

    name: str
    kind: ColumnKind = "text"
    short: str = ""
    drop: int = 0


Row = Mapping[str, Any]
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Lone surrogates: code points that Python strings can hold but UTF-8 cannot encode. They come
# from the user's input: a JSON "\ud800" escape, a file name that is not UTF-8 (which Python
# decodes with surrogateescape).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with each lone surrogate as U+FFFD (what the tokenizers count it as), so that
    any output, to a terminal, a pipe or a file, can be written as UTF-8."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def cells(text: str) -> int:
    """The terminal cells ``text`` takes: an East Asian wide or fullwidth character (Chinese,
    Japanese, Korean, most emoji) takes two, a combining mark or another zero-width character
    none, any other one. Tables and previews are measured in these, not in characters."""
    if text.isascii():
        return len(text)
    return sum(map(_char_cells, text))


@functools.lru_cache(maxsize=8192)
def _char_cells(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in _ZERO_WIDTH:
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


# Enclosing and non-spacing marks, and format characters (zero-width space and joiner...).
_ZERO_WIDTH = ("Mn", "Me", "Cf")


def cut_to_cells(text: str, room: int) -> str:
    """The longest start of ``text`` that takes at most ``room`` cells."""
    if text.isascii():
        return text[:max(room, 0)]
    used = 0
    for index, char in enumerate(text):
        used += _char_cells(char)
        if used > room:
            return text[:index]
    return text


def _last_cells(text: str, room: int) -> str:
    """The longest end of ``text`` that takes at most ``room`` cells."""
    return cut_to_cells(text[::-1], room)[::-1]


def default_format(stdout_is_terminal: bool) -> OutputFormat:
    """A table for people at a terminal; TSV when piped, so it pastes into a spreadsheet."""
    return OutputFormat.table if stdout_is_terminal else OutputFormat.tsv


_CHUNK_ROWS = 1024


def render(
    rows: Sequence[Row],
    columns: Sequence[Column],
    fmt: OutputFormat,
    stream: IO[str],
    *,
    preamble: Iterable[str] = (),
    total: Row | Sequence[Row] | None = None,
    width: int | None = None,
    headers: bool = True,
) -> list[str]:
    """Write rows to ``stream``. ``preamble`` lines and the ``total`` row (or rows) appear only
    for people.

    A table given a terminal ``width`` is fitted to it: shorter headers, then the columns that
    matter least left out, then long text shortened in the middle. Returns the names of the
    columns left out. ``headers=False``: no header row (CSV, TSV, the table)."""
    if fmt in (OutputFormat.table, OutputFormat.markdown):
        return _render_for_people(rows, columns, fmt, stream, list(preamble), total,
                                  width if fmt is OutputFormat.table else None, headers)
    elif fmt in (OutputFormat.csv, OutputFormat.tsv):
        delimiter = "," if fmt is OutputFormat.csv else "\t"
        # Rows go out in chunks: a write to the stream per row costs more than the row.
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        if headers:
            writer.writerow([_neutralised(column.name) for column in columns])
        names = [column.name for column in columns]
        for number, row in enumerate(rows, start=1):
            writer.writerow([_spreadsheet_cell(row.get(name)) for name in names])
            if number % _CHUNK_ROWS == 0:
                stream.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        stream.write(buffer.getvalue())
    elif fmt is OutputFormat.json:
        keys = _json_keys(columns)
        objects = [_json_object(row, keys) for row in rows]
        stream.write("[\n" + ",\n".join("  " + obj for obj in objects) + "\n]\n" if objects
                     else "[]\n")
    else:
        keys = _json_keys(columns)
        lines = []
        for number, row in enumerate(rows, start=1):
            lines.append(_json_object(row, keys) + "\n")
            if number % _CHUNK_ROWS == 0:
                stream.write("".join(lines))
                lines.clear()
        stream.write("".join(lines))
    return []


# How sure a count is, in every row that holds one: two columns in the machine formats, one at a
# terminal (``for_people``), where the band joins the word: ``estimate ±23%``.
ACCURACY_COLUMNS = (Column("accuracy"), Column("error_p90_pct", "decimal"))


def for_people(columns: Sequence[Column]) -> tuple[Column, ...]:
    """The columns a table shows: the error band goes inside the accuracy column."""
    return tuple(column for column in columns if column.name != "error_p90_pct")


def band_joined(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as a table shows it: ``accuracy`` with its band (``estimate ±23%``), and no
    ``error_p90_pct``."""
    joined = dict(row)
    band = joined.pop("error_p90_pct", None)
    if joined.get("accuracy") is not None:
        joined["accuracy"] = accuracy_with_band(joined["accuracy"], band)
    return joined


def accuracy_with_band(accuracy: str, error_p90_pct: Decimal | float | None) -> str:
    """How sure a count is, for people: ``exact``, ``estimate ±23%`` (90% of measured
    requests within 23% of the billed count) or ``estimate (unmeasured)``."""
    if accuracy != "estimate":
        return accuracy
    if error_p90_pct is None:
        return "estimate (unmeasured)"
    return f"estimate ±{math.ceil(error_p90_pct)}%"


SHOWN_DIGITS = 15  # what a spreadsheet keeps of a number


def plain_number(value: Decimal | int) -> str:
    """A number as plain digits at full precision: no exponent, no trailing zeros. A value
    that fills Decimal's precision, the mark of a division that did not end (a mean of
    1,109.1258503401360544... tokens, a cost worked out from it), is written to 15 significant
    digits: the other 13 are noise."""
    if isinstance(value, int):
        return str(value)
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    # Only a long text can hold a full-precision value: the common case costs one len().
    if len(text) > getcontext().prec and len(value.as_tuple().digits) >= getcontext().prec:
        place = value.adjusted() - SHOWN_DIGITS + 1
        text = format(value.quantize(Decimal(1).scaleb(place), ROUND_HALF_UP).normalize(), "f")
    return text


def _raw_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return plain_number(value)
    if isinstance(value, (list, tuple)):
        return " ".join(_raw_text(item) for item in value)
    return printable(str(value))


def _neutralised(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _spreadsheet_cell(value: Any) -> str:
    # Numbers first, by their exact type (a bool is an int): most cells of a long table are.
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is Decimal:
        return plain_number(value)
    text = _raw_text(value)
    # Numbers are data, even negative ones; only text can smuggle in a formula.
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return text
    # The csv module quotes a cell with a line feed but not one with a bare carriage return,
    # which would then split the row: carry every line break as a line feed.
    return _neutralised(text).replace("\r\n", "\n").replace("\r", "\n")


def _json_value(value: Any) -> str:
    kind = type(value)  # the common cases first, by their exact type (a bool is an int)
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        # A JSON number written from the Decimal's digits: no float rounding on the way out.
        return plain_number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_json_value(item) for item in value) + "]"
    if isinstance(value, str):
        return _json_string(value)
    return json.dumps(value, ensure_ascii=False)


@functools.lru_cache(maxsize=1024)  # the same few texts in every row: a model, assumptions
def _json_string(text: str) -> str:
    return json.dumps(printable(text), ensure_ascii=False)


def _json_keys(columns: Sequence[Column]) -> list[tuple[str, str]]:
    """Each column's name, and its JSON key as an object writes it."""
    return [(column.name, f"{json.dumps(column.name)}: ") for column in columns]


def _json_object(row: Row, keys: Sequence[tuple[str, str]]) -> str:
    return "{" + ", ".join(key + _json_value(row.get(name)) for name, key in keys) + "}"


def format_usd(amount: Decimal) -> str:
    """Dollars for people: cents for amounts of a dollar or more, else three significant digits.

    Rounded half up, as spreadsheets and invoices round ($10.625 shows as $10.63); only the
    display is rounded: amounts stay exact, and machine formats carry every digit."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount >= 1 or amount == 0:
        return f"{sign}${_half_up(amount, 2):,.2f}"
    digits = max(2, 2 - amount.adjusted())
    text = f"{_half_up(amount, digits):.{digits}f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{sign}${whole}.{fraction}"


def _half_up(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_price(rate: Decimal) -> str:
    """A per-million price exactly as the table has it, with at least cents."""
    text = plain_number(rate)
    whole, _, fraction = text.partition(".")
    return f"${int(whole):,}.{fraction.ljust(2, '0')}"


def _display(value: Any, kind: ColumnKind) -> str:
    if value is None:
        return "-"
    if kind == "bool" or isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "usd":
        return format_usd(Decimal(value))
    if kind == "money":
        return format_usd(Decimal(value)).replace("$", "", 1)
    if kind == "price":
        return format_price(Decimal(value))
    if kind == "pct":
        return f"{Decimal(value):+,.1f}%"
    if kind == "int" and isinstance(value, int):
        return f"{value:,}"
    if kind == "int" and isinstance(value, Decimal):  # a mean of counts
        if value == value.to_integral_value():
            return f"{value:,.0f}"
        if abs(value) >= Decimal("0.95"):
            return f"{value:,.1f}"
        # Below one: two significant digits, so that a small rate does not show as 0.0.
        return f"{value.quantize(Decimal(1).scaleb(value.adjusted() - 1)):f}"
    if kind == "decimal" and isinstance(value, Decimal):
        return plain_number(value)
    return _raw_text(value)


_RIGHT_ALIGNED = {"int", "usd", "money", "price", "decimal", "pct"}


def _render_for_people(
    rows: Sequence[Row], columns: Sequence[Column], fmt: OutputFormat, stream: IO[str],
    preamble: list[str], total: Row | Sequence[Row] | None, width: int | None,
    headers: bool = True,
) -> list[str]:
    body = [[_cell_text(_display(row.get(c.name), c.kind)) for c in columns] for row in rows]
    totals = [] if total is None else [total] if isinstance(total, Mapping) else list(total)
    body += [[_cell_text(_display(line.get(c.name), c.kind)) if c.name in line else ""
              for c in columns] for line in totals]
    header_row = [c.name for c in columns]
    dropped: list[str] = []
    if width is not None:
        columns, header_row, body, dropped = _fitted(list(columns), header_row, body, width)
        preamble = wrapped(preamble, width)
    right = [c.kind in _RIGHT_ALIGNED for c in columns]
    lines = _table_lines(header_row if headers else None, body, right,
                         markdown=fmt is OutputFormat.markdown)
    if fmt is OutputFormat.markdown:
        # Each line its own paragraph: plain text in Markdown, not a heading, and not run
        # together with the next line.
        stream.write("".join(printable(line) + "\n\n" for line in preamble))
    else:
        stream.write("".join(printable(line) + "\n" for line in preamble)
                     + ("\n" if preamble else ""))
    if totals and fmt is OutputFormat.table and headers:
        # Rule off the total lines the way the header is ruled off.
        lines.insert(len(lines) - len(totals), lines[1])
    stream.write("\n".join(lines) + "\n")
    return dropped


def _table_lines(headers: Sequence[str] | None, body: Sequence[Sequence[str]],
                 right: Sequence[bool], *, markdown: bool = False) -> list[str]:
    """A table's lines, its columns padded in terminal cells: the header, a rule of dashes,
    the rows; two spaces between columns, or Markdown's pipes. With no rows, the headers
    are flush left."""
    if not body:
        right = [False] * len(right)
    widths = [max([cells(header) + _HEADER_PADDING if headers is not None else 0,
                   *(cells(row[i]) for row in body)]) for i, header in enumerate(
        headers if headers is not None else [""] * len(right))]

    def line(values: Sequence[str]) -> str:
        shown = [padded(value, room, flush_right=flush_right)
                  for value, room, flush_right in zip(values, widths, right, strict=True)]
        if markdown:
            return "| " + " | ".join(shown) + " |"
        return "  ".join(shown).rstrip()

    lines = []
    if headers is not None:
        lines.append(line(headers))
        lines.append("|" + "|".join("-" * (room + 2) for room in widths) + "|" if markdown
                     else "  ".join("-" * room for room in widths))
    lines.extend(line(row) for row in body)
    return lines


def padded(text: str, room: int, *, flush_right: bool = False) -> str:
    """``text`` padded with spaces to ``room`` cells, on the right or, ``flush_right``, on the
    left."""
    gap = " " * (room - cells(text))
    return gap + text if flush_right else text + gap


def _cell_text(text: str) -> str:
    """A table cell on one line, its control characters (line breaks, tabs, escapes that
    would move a terminal's cursor) written as escapes, and its surrounding spaces dropped."""
    text = text.strip()
    if text.isprintable() or not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda found: found[0].encode("unicode_escape").decode("ascii"), text)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_GAP = 2  # the spaces between two columns of the simple table
_HEADER_PADDING = 2  # a column is 2 wider than its header at least
_SHORTEST_TEXT = 12  # text is shortened to no fewer characters than this


def _table_width(headers: Sequence[str], body: Sequence[Sequence[str]]) -> int:
    widths = [max([cells(header) + _HEADER_PADDING, *(cells(row[i]) for row in body)])
              for i, header in enumerate(headers)]
    return sum(widths) + _GAP * (len(widths) - 1)


def _fitted(columns: list[Column], headers: list[str], body: list[list[str]], width: int
            ) -> tuple[list[Column], list[str], list[list[str]], list[str]]:
    """The columns, headers and cells of a table no wider than ``width``, where that can be
    done: short headers first, then columns left out in their ``drop`` order, then the widest
    text shortened in the middle. Also the names of the columns left out."""
    if _table_width(headers, body) <= width:
        return columns, headers, body, []
    headers = [c.short or h for c, h in zip(columns, headers, strict=True)]
    dropped = []
    while _table_width(headers, body) > width:
        rank, index = max((c.drop, i) for i, c in enumerate(columns))
        if rank == 0:
            break
        dropped.append(columns[index].name)
        del columns[index], headers[index]
        for row in body:
            del row[index]
    excess = _table_width(headers, body) - width
    # Then the text columns give up room, the widest first, down to a readable width.
    rooms = {i: max((cells(row[i]) for row in body), default=0)
             for i, c in enumerate(columns) if c.kind == "text"}
    floors = {i: max(_SHORTEST_TEXT, cells(headers[i]) + _HEADER_PADDING) for i in rooms}
    while excess > 0:
        shrinkable = [i for i in rooms if rooms[i] > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: rooms[i])
        rooms[widest] -= 1
        excess -= 1
    for i, room in rooms.items():
        for row in body:
            row[i] = _shortened(row[i], room)
    return columns, headers, body, dropped


def _shortened(text: str, room: int) -> str:
    """Text of at most ``room`` cells: its start and its end, an ellipsis between (the end of
    a path or a model name says the most)."""
    if cells(text) <= room:
        return text
    tail = (room - 1) * 2 // 3
    end = _last_cells(text, tail)
    return cut_to_cells(text[:len(text) - len(end)], room - 1 - cells(end)) + "…" + end


def wrapped(lines: Iterable[str], width: int) -> list[str]:
    """Lines of prose no wider than ``width`` cells where they can be broken at spaces; lines
    that fit (a chart's) are left as they are."""
    return [part for line in lines for part in _wrap(line, width)]


def _wrap(line: str, width: int) -> list[str]:
    if cells(line) <= width:
        return [line]
    # Words (and the spaces between them) go on a line while they fit; a line break drops
    # the spaces it falls on. A word wider than a line is a line of its own, unbroken.
    parts: list[str] = []
    current, has_word = "", False
    for chunk in re.findall(r"\S+|\s+", line):
        if chunk.isspace():
            current += chunk if has_word or not parts else ""  # the line's indent is kept
        elif cells(current + chunk) <= width:
            current, has_word = current + chunk, True
        elif not has_word:  # too wide for a line even alone: unbroken, and without indent
            current, has_word = chunk, True
        else:
            parts.append(current.rstrip())
            current = chunk
    parts.append(current.rstrip())
    return [part for part in parts if part] or [""]


class Currency(NamedTuple):
    """A display currency: ``rate`` of it to one US dollar, as the user gave it (never
    downloaded)."""

    code: str
    rate: Decimal

    @classmethod
    def parse(cls, text: str) -> Currency:
        code, _, rate = text.partition("=")
        code = code.strip().upper()
        try:
            value = Decimal(rate.strip())
        except ArithmeticError:
            value = Decimal(0)
        if not (len(code) == 3 and code.isalpha()) or not value.is_finite() \
                or not MIN_CURRENCY_RATE <= value <= MAX_CURRENCY_RATE:
            raise ValueError(f"--currency is CODE=RATE, how many of a currency one US dollar "
                             f"buys (EUR=0.86), a rate from {MIN_CURRENCY_RATE:f} to "
                             f"{MAX_CURRENCY_RATE:,}, not {text!r}")
        return cls(code, value)

    def convert(self, rows: list[dict[str, Any]], columns: tuple[Column, ...]
                ) -> tuple[list[dict[str, Any]], tuple[Column, ...]]:
        """Rows and columns with every US-dollar amount in this currency (``_usd`` columns
        become ``_eur``)."""
        renamed = {column.name: column.name.removesuffix("_usd") + "_" + self.code.lower()
                   for column in columns if column.kind == "usd"}
        converted = [{renamed.get(key, key): (value * self.rate
                                               if key in renamed and value is not None
                                               else value)
                      for key, value in row.items()} for row in rows]
        return converted, tuple(c._replace(name=renamed[c.name], kind="money")
                                if c.name in renamed else c for c in columns)

    def show(self, amount: Decimal) -> str:
        return f"{format_usd(amount * self.rate).replace('$', '', 1)} {self.code}"
