"""``tokcost calibrate``: fit each model's counting rule on the user's own logs of requests and
the input tokens their provider billed, and say how much better the fit counts them.

A log is JSON Lines, one request a line, in either shape:

- ``{"request": {...}, "response": {...}}``: the request body in OpenAI, Anthropic or Gemini
  shape, and the response (or its usage block) as the API returned it;
- ``{"model": ..., "request": {...}, "reported": {...}}``: the shape of tokcost's own
  calibration records.

The model is the line's ``model``, else the request's, else the response's (``--model``
overrides them all); a Gemini request sent through Vertex AI (its response says a
``trafficType``, or the record's ``host`` is Vertex AI's) is that model through Vertex AI,
whose rule is its own. A model the newest table no longer sells is calibrated all the same,
with the rule of the newest bundled table that has it (a counting rule does not depend on
prices). For each model with enough records, the weights of its rule are fitted
again, starting from the bundled ones, and its error is measured before (the bundled rule) and
after (cross-validated: each tenth of the records estimated by weights fitted on the rest). The
result is a calibration file that ``--calibration FILE`` or ``$TOKCOST_CALIBRATION`` applies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from tokcost.counting.calibration import (
    Record,
    cross_validated_errors,
    fit,
    measure,
    relative_error,
    relative_errors,
)
from tokcost.counting.counter import ModelCounter, TokenCount
from tokcost.counting.features import FEATURES
from tokcost.counting.rules import CALIBRATION_FORMAT, Measured, rule_for
from tokcost.errors import InputFileError, TokcostError, UnknownModelError
from tokcost.files import refuse_device, why_unreadable, write_text_file
from tokcost.formats.conversations import Conversation, parse_conversations
from tokcost.formats.usage import billed_input_tokens
from tokcost.inputs.bad_lines import BadLines
from tokcost.output import Column
from tokcost.pricing.dated import OneTable, TableChoice
from tokcost.pricing.schema import ModelPrice
from tokcost.pricing.table import PriceTable
from tokcost.wording import number_of

# Fewer records than this for a model: its bundled rule is kept.
MIN_RECORDS = 10
# A feature is fitted only when this many records show it; the others keep their weights.
MIN_RECORDS_PER_FEATURE = 3
FOLDS = 10
# Where a rule that was never fitted (OpenAI's framing as a stand-in) starts from: OpenAI's own
# framing as weights (3 a message and a request, 3 a tool call, JSON at one token a token), so
# that what the logs do not show is still counted, as before.
STARTING_WEIGHTS = {"text": 1.0, "message": 4.0, "request": 3.0, "tool_call": 3.0,
                    "tool_call_json": 1.0, "tool_result": 0.0, "tools": 7.0, "tool_json": 1.0,
                    "image_tokens": 1.0, "schema_json": 1.0}

CALIBRATE_COLUMNS = (
    Column("model"), Column("rule", drop=2), Column("records", "int", "n"),
    Column("median_error_before_pct", "decimal", "median before", drop=1),
    Column("p90_error_before_pct", "decimal", "p90 before"),
    Column("median_error_after_pct", "decimal", "median after", drop=1),
    Column("p90_error_after_pct", "decimal", "p90 after"),
    Column("result"),
)


class LoggedRequest(NamedTuple):
    model: str | None
    conversation: Conversation
    billed: int  # the prompt tokens the provider billed (billed_input_tokens)
    place: str = ""  # file:line


class Calibration(NamedTuple):
    rows: list[dict[str, Any]]
    file: dict[str, Any]  # the calibration file, as JSON
    problems: list[InputFileError]
    notes: list[str] = []  # on where a model's rule was found

    @property
    def calibrated(self) -> int:
        """How many models the file holds a fitted rule for."""
        return len(self.file["models"])


def read_log(path: Path) -> tuple[list[LoggedRequest], BadLines]:
    """Every usable line of a log, and its bad lines (the rest still count); InputFileError
    when the log cannot be read at all."""
    requests: list[LoggedRequest] = []
    bad = BadLines(str(path))
    try:
        refuse_device(path, "log")
        lines = path.read_text("utf-8").splitlines()
    except OSError as error:
        raise InputFileError(f"{path}: {why_unreadable(error, 'log')}") from None
    except UnicodeDecodeError as error:
        raise InputFileError(f"{path}: cannot be read as UTF-8 JSON Lines ({error})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        place = f"{path}:{number}"
        try:
            requests.append(logged_request(json.loads(line), place))
        except InputFileError as error:
            bad.add(error)
        except json.JSONDecodeError as error:
            bad.add(InputFileError(f"{place}: not JSON ({error.msg}, column {error.colno})"))
        except RecursionError:
            bad.add(InputFileError(f"{place}: JSON nested too deeply"))
    return requests, bad


def logged_request(line: Any, place: str) -> LoggedRequest:
    """The request of one ``{"request", "response"}`` line (``place``: its file:line) and the
    prompt tokens billed for it; InputFileError, naming the place, when it holds none."""
    try:
        return _logged(line, place)
    except (ValueError, TokcostError) as error:
        raise InputFileError(f"{place}: {error}") from None
    except (TypeError, AttributeError, KeyError, RecursionError) as error:
        # A request shaped in a way no reader expected: that line is skipped, not the log.
        raise InputFileError(f"{place}: not a request tokcost can read "
                             f"({type(error).__name__}: {error})") from None


def _logged(line: Any, place: str) -> LoggedRequest:
    if not isinstance(line, dict) or not isinstance(line.get("request"), dict):
        raise TokcostError("expected {\"request\": {...}, \"response\": {...}}")
    response = line.get("response", line.get("reported"))
    billed = billed_input_tokens(response)
    if not billed:
        raise TokcostError("no input token count in `response` (usage.prompt_tokens, "
                           "usage.input_tokens or usageMetadata.promptTokenCount)")
    conversation = parse_conversations(line["request"])[0]
    model = next((value for value in (
        line.get("model"), conversation.model,
        response.get("model") if isinstance(response, dict) else None,
        response.get("modelVersion") if isinstance(response, dict) else None)
        if isinstance(value, str) and value), None)
    if model is not None and "/" not in model and _through_vertex_ai(line, response):
        model = f"vertex_ai/{model}"
    return LoggedRequest(model, conversation, billed, place)


# The host of Vertex AI's endpoints, regional ones too (europe-west4-aiplatform...).
_VERTEX_AI_HOST = "aiplatform.googleapis.com"


def _through_vertex_ai(line: dict[str, Any], response: Any) -> bool:
    """Whether a logged Gemini request went through Vertex AI: Vertex AI's responses say how
    they were served (``usageMetadata.trafficType``), the Gemini API's do not; tokcost's
    calibration records name the host."""
    host = line.get("host")
    if isinstance(host, str) and (host == _VERTEX_AI_HOST
                                  or host.endswith(f"-{_VERTEX_AI_HOST}")):
        return True
    usage = response.get("usageMetadata", response) if isinstance(response, dict) else None
    return isinstance(usage, dict) and "trafficType" in usage


def calibrate(paths: Sequence[Path], table: PriceTable | TableChoice, *,
              model: str | None = None, min_records: int = MIN_RECORDS, sources: str = ""
              ) -> Calibration:
    """Fit every logged model's rule; rows say what changed, the file holds the new weights.
    ``table``: one table, or the bundled ones (``DatedTables``), where a model the newest
    lacks is found in the newest that has it."""
    logged: list[LoggedRequest] = []
    problems: list[InputFileError] = []
    notes: list[str] = []
    for path in paths:
        try:
            found, bad = read_log(path)
        except InputFileError as error:  # this log's problem; the others go on
            problems.append(error)
            continue
        logged.extend(found)
        problems.extend(bad.shown())
        if bad.count:
            notes.append(bad.note())
    models: dict[str, ModelPrice] = {}
    groups, unknown = group_by_model(logged, table, model=model, models=models, notes=notes)
    problems.extend(InputFileError(f"{why} ({number_of(seen, 'request')} skipped)")
                    for why, seen in unknown)
    rows, fitted = [], {}
    for model_id, requests in sorted(groups.items()):
        row, entry = _calibrate_model(models[model_id], requests, min_records, sources)
        rows.append(row)
        if entry is not None:
            fitted[model_id] = entry
    file = {"about": f"Counting rules calibrated by tokcost calibrate on {sources or 'logs'}.",
            "format": CALIBRATION_FORMAT, "models": fitted}
    return Calibration(rows, file, problems, notes)


def group_by_model(requests: Sequence[LoggedRequest], table: PriceTable | TableChoice, *,
                   model: str | None = None, default: str | None = None,
                   models: dict[str, ModelPrice] | None = None, notes: list[str] | None = None
                   ) -> tuple[dict[str, list[LoggedRequest]], list[tuple[str, int]]]:
    """The requests by the table's id of their model: ``model`` for all, else each one's own,
    else ``default``; and for the others, why they have none and how many they are. Each
    model found goes into ``models`` by its id; where it came from a table other than the
    default (the bundled tables, for a model the newest lacks), a line in ``notes`` says so."""
    tables = OneTable(table) if isinstance(table, PriceTable) else table
    groups: dict[str, list[LoggedRequest]] = {}
    unknown: dict[str, tuple[str, int]] = {}  # model name -> (why, requests)
    for request in requests:
        name = model or request.model or default or ""
        if not name:
            why, seen = unknown.get("", ("logged requests name no model; pass --model", 0))
            unknown[""] = (why, seen + 1)
            continue
        try:
            chosen = tables.choose(name, None)
        except UnknownModelError as error:
            why, seen = unknown.get(name, (str(error), 0))
            unknown[name] = (why, seen + 1)
            continue
        found = chosen.resolution.model
        if models is not None and found.id not in models:
            models[found.id] = found
            if notes is not None and chosen.instead is not None:
                notes.append(f"{found.id}: not in price table {tables.default.label}; its "
                             f"counting rule ({rule_for(found).name}) is the one table "
                             f"{chosen.table} gives it (a rule does not depend on prices)")
        groups.setdefault(found.id, []).append(request)
    return groups, list(unknown.values())


def estimate(counter: ModelCounter, request: LoggedRequest) -> TokenCount:
    """tokcost's offline count of a logged request: what is set against its billed tokens."""
    return counter.conversation(request.conversation, detail=False)


def _calibrate_model(price: ModelPrice, requests: Sequence[LoggedRequest],
                     min_records: int, sources: str
                     ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    model_id = price.id
    counter = ModelCounter(price)
    base = rule_for(price)
    row: dict[str, Any] = {"model": model_id, "rule": base.name, "records": len(requests)}
    before = measure([relative_error(estimate(counter, r).tokens, r.billed) for r in requests])
    row |= {"median_error_before_pct": rounded_pct(before.median_pct),
            "p90_error_before_pct": rounded_pct(before.p90_pct)}
    if price.tokenizer.accuracy == "exact":
        return row | {"result": "exact already: nothing to calibrate"}, None
    if len(requests) < min_records:
        return row | {"result": f"too few records ({len(requests)} of {min_records}): the "
                                f"bundled rule is kept"}, None
    records = [Record(counter.features(r.conversation), r.billed, str(index % FOLDS))
               for index, r in enumerate(requests)]
    prior = dict(base.weights) if base.method == "weighted" else dict(STARTING_WEIGHTS)
    free = [name for name in FEATURES if name != "image_tokens"
            and sum(1 for record in records if record.features.get(name))
            >= MIN_RECORDS_PER_FEATURE]
    after = measure(cross_validated_errors(records, lambda rest: fit(rest, free, prior)))
    weights = {name: round(value, 4) for name, value in fit(records, free, prior).items()}
    row |= {"median_error_after_pct": rounded_pct(after.median_pct),
            "p90_error_after_pct": rounded_pct(after.p90_pct)}
    # Adopted only when it counts held-out records no worse on either measure, and better on
    # one: a fit that trades a worse median for a better tail is not an improvement to trust.
    no_worse = after.median_pct <= before.median_pct and after.p90_pct <= before.p90_pct
    if not no_worse or after == before:
        return row | {"result": "the fit is not better on held-out records: the bundled rule "
                                "is kept"}, None
    in_sample = measure(relative_errors(records, weights))
    result = (f"calibrated ({number_of(len(free), 'weight')} fitted; in-sample p90 "
              f"{in_sample.p90_pct:.1f}%)")
    # Weights the logs did not fit stay as the bundled rule had them, measured or not; those
    # of OpenAI's framing as a stand-in were never measured.
    unmeasured = [name for name in FEATURES if name not in free and name != "image_tokens"
                  and (base.method != "weighted" or name in base.unmeasured)]
    entry = {
        "rule": f"{base.name} calibrated", "method": "weighted",
        "about": f"{base.name} refitted on {number_of(len(requests), 'logged request')}",
        "images": base.images, "thinking_kept": base.thinking_kept, "weights": weights,
        "unmeasured": unmeasured,
        "measured": _measured(after, f"cross-validated in {FOLDS} folds on "
                                     f"{number_of(len(requests), 'logged request')} of "
                                     f"{sources or 'the logs'}"),
    }
    return row | {"result": result}, entry


def write_calibration(calibration: Calibration, path: Path) -> None:
    """The calibration file that ``--calibration`` and ``$TOKCOST_CALIBRATION`` apply."""
    write_text_file(path, json.dumps(calibration.file, indent=2) + "\n", "--write")


def rounded_pct(value: float) -> Decimal:
    """A percentage to one decimal, as the rows show them."""
    return Decimal(str(round(value, 1)))


def _measured(measured: Measured, how: str) -> dict[str, Any]:
    return {"records": measured.records, "median_pct": round(measured.median_pct, 1),
            "p90_pct": round(measured.p90_pct, 1), "how": how}
