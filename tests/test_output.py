"""The output layer: every format, number display, formula neutralisation."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from tokcost.output import (
    Column,
    OutputFormat,
    _display,
    default_format,
    format_price,
    format_usd,
    plain_number,
    render,
)

COLUMNS = (Column("name"), Column("tokens", "int"), Column("cost", "usd"),
           Column("rate", "price"), Column("ok", "bool"))
ROWS = [
    {"name": "alpha", "tokens": 1234567, "cost": Decimal("1500.00"), "rate": Decimal("2.5"),
     "ok": True},
    {"name": "=SUM(A1:A2)", "tokens": -5, "cost": Decimal("0.0075"), "rate": None, "ok": False},
]


def rendered(fmt: OutputFormat, **kwargs: object) -> str:
    stream = io.StringIO()
    render(ROWS, COLUMNS, fmt, stream, **kwargs)  # type: ignore[arg-type]
    return stream.getvalue()


def test_csv_has_header_raw_numbers_and_neutralised_formulas() -> None:
    assert rendered(OutputFormat.csv) == (
        "name,tokens,cost,rate,ok\n"
        "alpha,1234567,1500,2.5,true\n"
        "'=SUM(A1:A2),-5,0.0075,,false\n"
    )


def test_tsv_is_tab_separated() -> None:
    assert rendered(OutputFormat.tsv).splitlines()[1] == "alpha\t1234567\t1500\t2.5\ttrue"


@pytest.mark.parametrize(
    ("text", "cell"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@SUM(1)", "'@SUM(1)"),
     ("\tx", "'\tx"), ("\rx", "'\nx"), ("plain", "plain")],
)
@pytest.mark.parametrize("fmt", [OutputFormat.csv, OutputFormat.tsv])
def test_every_formula_start_is_neutralised(text: str, cell: str, fmt: OutputFormat) -> None:
    stream = io.StringIO()
    render([{"name": text, "n": -3}], (Column("name"), Column("n", "int")), fmt, stream)
    delimiter = "," if fmt is OutputFormat.csv else "\t"
    rows = list(csv.reader(io.StringIO(stream.getvalue()), delimiter=delimiter))
    assert rows == [["name", "n"], [cell, "-3"]]


def test_json_is_a_list_of_objects_with_exact_numbers() -> None:
    assert rendered(OutputFormat.json) == (
        "[\n"
        '  {"name": "alpha", "tokens": 1234567, "cost": 1500, "rate": 2.5, "ok": true},\n'
        '  {"name": "=SUM(A1:A2)", "tokens": -5, "cost": 0.0075, "rate": null, "ok": false}\n'
        "]\n"
    )


def test_json_of_no_rows_is_an_empty_list() -> None:
    stream = io.StringIO()
    render([], COLUMNS, OutputFormat.json, stream)
    assert stream.getvalue() == "[]\n"


def test_jsonl_is_one_object_a_line() -> None:
    lines = rendered(OutputFormat.jsonl).splitlines()
    assert lines[0] == '{"name": "alpha", "tokens": 1234567, "cost": 1500, "rate": 2.5, "ok": true}'
    assert len(lines) == 2


def test_table_is_for_people() -> None:
    text = rendered(OutputFormat.table, preamble=["Workload: example"],
                    total={"name": "total", "tokens": 1234562})
    lines = text.splitlines()
    assert lines[0] == "Workload: example"
    assert "1,234,567" in text and "$1,500.00" in text and "$0.0075" in text
    assert "$2.50" in text and " yes" in text
    assert lines[-1].split() == ["total", "1,234,562"]
    # The total is ruled off like the header.
    assert set(lines[-2].replace(" ", "")) == {"-"}


def test_markdown_is_a_pipe_table() -> None:
    lines = rendered(OutputFormat.markdown).splitlines()
    assert lines[0].startswith("| name")
    assert lines[1].startswith("|:--") or lines[1].startswith("|-")


def test_markdown_assumptions_are_paragraphs_not_headings() -> None:
    lines = rendered(OutputFormat.markdown, preamble=["Workload: example", "Prices: table"]
                     ).splitlines()
    assert lines[:5] == ["Workload: example", "", "Prices: table", "", lines[4]]
    assert lines[4].startswith("| name")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("1500", "$1,500.00"),
        ("0.01", "$0.01"),
        ("0.0075", "$0.0075"),
        ("0.012345", "$0.0123"),
        ("0.00000123", "$0.00000123"),
        ("0", "$0.00"),
        ("18250", "$18,250.00"),
        ("-2.5", "-$2.50"),
        # Rounded half up for display, as spreadsheets do (half-even would show $10.62).
        ("10.625", "$10.63"),
        ("10.615", "$10.62"),
        ("-2.345", "-$2.35"),
        ("0.0012355", "$0.00124"),
        ("0.9995", "$1.00"),
    ],
)
def test_usd_display(amount: str, shown: str) -> None:
    assert format_usd(Decimal(amount)) == shown


@pytest.mark.parametrize(("rate", "shown"), [("2.5", "$2.50"), ("0.075", "$0.075"),
                                              ("1250", "$1,250.00"), ("0.000001", "$0.000001")])
def test_price_display_keeps_every_digit(rate: str, shown: str) -> None:
    assert format_price(Decimal(rate)) == shown


@pytest.mark.parametrize(("value", "text"), [(Decimal("1.5E+3"), "1500"), (Decimal("0.0100"),
                                              "0.01"), (Decimal("0"), "0"), (7, "7")])
def test_plain_number(value: Decimal | int, text: str) -> None:
    assert plain_number(value) == text


def test_default_format_follows_the_terminal() -> None:
    assert default_format(True) is OutputFormat.table
    assert default_format(False) is OutputFormat.tsv


def test_a_mean_count_below_one_keeps_two_significant_digits() -> None:
    # A rate of one request a month shows as 0.033 a day, not as 0.0.
    shown = [_display(Decimal(value), "int") for value in
             ("0.0333", "0.5", "0.00001234", "0.96", "1.25", "12")]
    assert shown == ["0.033", "0.50", "0.000012", "1.0", "1.2", "12"]


def test_a_value_that_fills_decimal_s_precision_is_written_to_15_digits() -> None:
    from tokcost.output import plain_number

    # A division that did not end carries 28 digits, all but the first few noise.
    assert plain_number(Decimal(29) / 3) == "9.66666666666667"
    assert plain_number(Decimal("0.46") - Decimal(1) / 3 + Decimal(1) / 3) == "0.46"
    assert plain_number(Decimal(-2) / 3) == "-0.666666666666667"
    # An exact value is kept whole, however long, and trailing zeros go.
    assert plain_number(Decimal("100000000.5174625")) == "100000000.5174625"
    assert plain_number(Decimal("2540040700000.000")) == "2540040700000"
