"""``tokcost usage --compare-estimate``: tokcost's offline estimate of each logged request set
beside the prompt tokens its provider billed for it, per model, with the error.

The lines are read as ``usage`` reads them. One that holds the request as well as the response
(the ``{"request", "response"}`` lines ``calibrate`` reads) is compared; the others (plain
responses) are counted and said not to be. The billed side is the prompt: input, cached and
cache-write tokens together (:func:`~tokcost.formats.usage.billed_input_tokens`), since what
tokcost estimates is the request; output is not compared. Each request is counted as
``calibrate`` counts it, by its model's counting rule, so this is the one usage report that
loads a tokenizer.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from tokcost.counting.calibration import measure, relative_error
from tokcost.counting.counter import ModelCounter
from tokcost.errors import InputFileError, TokcostError
from tokcost.formats.usage import NotBilled, UsageError, UsageRecord, usage_record
from tokcost.inputs.bad_lines import BadLines, unit_of
from tokcost.inputs.sources import JSON_SUFFIXES, expand_inputs, json_values
from tokcost.output import Column
from tokcost.pricing.dated import TableChoice
from tokcost.pricing.schema import ModelPrice
from tokcost.pricing.table import PriceTable
from tokcost.reports.calibrate import (
    LoggedRequest,
    estimate,
    group_by_model,
    logged_request,
    rounded_pct,
)
from tokcost.wording import number_of

COMPARE_COLUMNS = (
    Column("model"), Column("requests", "int", "n"),
    Column("billed_input_tokens", "int", "billed"),
    Column("estimated_input_tokens", "int", "estimated"),
    Column("error_pct", "decimal", "error"),
    Column("median_abs_error_pct", "decimal", "median |error|", drop=2),
    Column("p90_abs_error_pct", "decimal", "p90 |error|"),
    Column("counted"), Column("rule", drop=4),
    Column("rule_median_pct", "decimal", "rule median", drop=3),
    Column("rule_p90_pct", "decimal", "rule p90", drop=1),
)
BILLED_SIDE = ("compared: the prompt tokens each response billed (input, cached and cache-write "
               "tokens together) against tokcost's offline estimate of its logged request; "
               "output tokens are not compared")


class Comparison(NamedTuple):
    """Rows a model, the total line (for two models or more), notes and the problems met."""

    rows: list[dict[str, Any]]
    total: dict[str, Any] | None
    notes: list[str]
    problems: list[InputFileError]


class _Log(NamedTuple):
    requests: list[LoggedRequest]
    plain: int  # responses without their request
    skipped: dict[str, int]  # reason -> lines
    problems: list[InputFileError]
    notes: list[str]


def compare_estimates(paths: Sequence[str], table: PriceTable | TableChoice, *,
                      model: str | None = None, encoding_errors: str = "strict") -> Comparison:
    """For each model of the logged requests (``model`` for those that name none): how many
    were compared, the prompt tokens billed and estimated in all, the error of that sum and
    the median and p90 of each request's error, and how the model is counted. With the
    bundled tables (a TableChoice), a model the newest lacks is counted by the rule of the
    newest that has it, as usage prices it."""
    log = _read(paths, encoding_errors)
    problems = list(log.problems)
    notes: list[str] = []  # on what was compared, after the notes on reading the inputs
    if log.plain:
        notes.append(f"{number_of(log.plain, 'line')} without a request (plain responses): "
                     "counted, not compared")
    notes.extend(f"{number_of(lines, 'line')} skipped: {reason}"
                 for reason, lines in log.skipped.items())
    found_models: dict[str, ModelPrice] = {}
    groups, unknown = group_by_model(log.requests, table, default=model, models=found_models,
                                     notes=notes)
    notes.extend(f"{why} ({number_of(seen, 'request')} not compared)" for why, seen in unknown)
    rows, pairs, exact = [], [], []
    for model_id, requests in sorted(groups.items()):
        found = _compare_model(found_models[model_id], requests, problems, notes)
        if found is not None:
            row, compared = found
            rows.append(row)
            pairs.extend(compared)
            if row["counted"] == "exact":
                exact.append(model_id)
    if exact:
        their = "its" if len(exact) == 1 else "their"
        notes.append(f"{', '.join(exact)}: counted exactly ({their} own tokenizer and OpenAI's "
                     "framing), so an error there is input the provider billed that the "
                     "logged request does not show")
    if not rows and not problems:
        problems.append(InputFileError(
            "no line holds a request beside its response ({\"request\": ..., \"response\": "
            "...}, as calibrate reads): nothing to compare"))
    total = _row("total", pairs) if len(rows) > 1 else None
    notes = [*log.notes, *([BILLED_SIDE] if rows else []), *notes]
    return Comparison(rows, total, notes, problems)


def _read(paths: Sequence[str], encoding_errors: str) -> _Log:
    sources, problems, notes = expand_inputs(paths, JSON_SUFFIXES)
    log = _Log([], 0, {}, list(problems), list(notes))
    plain: set[str] = set()  # the identities of the plain responses, where the log gives them
    unnamed = 0
    for source in sources:
        bad = BadLines(source.label)
        try:
            for place, value in json_values(source, encoding_errors):
                bad.unit = unit_of(place)
                try:
                    found = _line(value, place)
                except InputFileError as error:  # this line's problem; the others go on
                    bad.add(error)
                    continue
                if isinstance(found, LoggedRequest):
                    log.requests.append(found)
                elif isinstance(found, NotBilled):
                    log.skipped[found.reason] = log.skipped.get(found.reason, 0) + 1
                elif found.key is None:
                    unnamed += 1
                else:
                    plain.add(found.key)  # a streamed update of one request counts once
        except InputFileError as error:  # this file's problem; the others go on
            log.problems.extend(bad.shown())
            log.problems.append(error)
            continue
        log.problems.extend(bad.shown())
        if bad.count:
            log.notes.append(bad.note())
    return log._replace(plain=unnamed + len(plain))


def _line(value: Any, place: str) -> LoggedRequest | UsageRecord | NotBilled:
    """A line as ``usage`` reads it, and its request where it holds one beside the response."""
    if isinstance(value, InputFileError):
        raise value
    try:
        record = usage_record(value)
    except UsageError as error:
        raise InputFileError(f"{place}: {error}") from None
    except RecursionError:
        raise InputFileError(f"{place}: JSON nested too deeply") from None
    if isinstance(record, NotBilled) or not isinstance(value.get("request"), dict):
        return record
    return logged_request(value, place)


def _compare_model(price: ModelPrice, requests: Sequence[LoggedRequest],
                   problems: list[InputFileError], notes: list[str]
                   ) -> tuple[dict[str, Any], list[tuple[int, int]]] | None:
    """One model's row and its (estimate, billed) pairs; None when none could be counted."""
    try:
        counter = ModelCounter(price)
    except TokcostError as error:  # its tokenizer cannot be loaded: the other models go on
        problems.append(InputFileError(
            f"{price.id}: {error} ({number_of(len(requests), 'request')} not compared)"))
        return None
    pairs: list[tuple[int, int]] = []
    exact = True
    uncovered: dict[str, int] = {}  # a note on the input -> requests it holds for
    for request in requests:
        try:
            count = estimate(counter, request)
        except TokcostError as error:  # the counter refuses this request; the rest go on
            problems.append(InputFileError(f"{request.place}: {error}"))
            continue
        pairs.append((count.tokens, request.billed))
        exact = exact and count.accuracy == "exact"
        for note in count.notes:
            if note not in counter.base_notes:
                uncovered[note] = uncovered.get(note, 0) + 1
    if not pairs:
        return None
    notes.extend(counter.base_notes)  # an estimated model: how, and its measured error
    notes.extend(f"{price.id}, {number_of(seen, 'request')}: {note}"
                 for note, seen in uncovered.items())
    measured = counter.rule.measured
    return _row(price.id, pairs) | {
        "counted": "exact" if exact else "estimate", "rule": counter.rule.name,
        "rule_median_pct": rounded_pct(measured.median_pct) if measured else None,
        "rule_p90_pct": rounded_pct(measured.p90_pct) if measured else None,
    }, pairs


def _row(model: str, pairs: Sequence[tuple[int, int]]) -> dict[str, Any]:
    estimated = sum(pair[0] for pair in pairs)
    billed = sum(pair[1] for pair in pairs)
    spread = measure([relative_error(*pair) for pair in pairs])
    return {"model": model, "requests": len(pairs), "billed_input_tokens": billed,
            "estimated_input_tokens": estimated,
            "error_pct": _signed_pct(relative_error(estimated, billed) * 100),
            "median_abs_error_pct": rounded_pct(spread.median_pct),
            "p90_abs_error_pct": rounded_pct(spread.p90_pct),
            "counted": None, "rule": None, "rule_median_pct": None, "rule_p90_pct": None}


def _signed_pct(value: float) -> Decimal:
    # A small underestimate rounds to -0.0, which would read as an error where there is none.
    return rounded_pct(value) or Decimal("0.0")


