"""Fitting a counting rule's weights on real requests, and measuring how good the fit is.

A record is a request and the input tokens its provider billed for it. The fit chooses the
weights of the features (``features.py``) that bring the estimate closest to the billed count,
measured as relative error, since a 10-token miss matters on "hello" and not on a 100,000-token
prompt. It is least squares weighted by 1/count, reweighted a few times towards the median of
the relative errors (so that an odd record pulls less than in plain least squares), with a weak
pull towards prior weights, so that a feature the records do not show keeps its prior.

The error of a rule is measured by cross-validation: the records are split into groups (those
from one recording session stay together, as they share prompts and tools), each group is
estimated by weights fitted on all the others, and the median and 90th percentile of the
absolute relative errors are reported with the number of records they rest on.

Pure Python: a dozen weights and a few hundred records need no numerical library.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from tokcost.counting.features import Features, weigh
from tokcost.counting.rules import Measured

# How hard an unfitted weight is held at its prior, relative to the records' own pull.
PRIOR_STRENGTH = 1e-3
_REWEIGHTINGS = 30


class Record(NamedTuple):
    """One request measured: its features and the input tokens the provider billed."""

    features: Features
    billed: int
    group: str = ""  # records of one group are held out together in cross-validation
    label: str = ""


def fit(records: Sequence[Record], free: Sequence[str], prior: Mapping[str, float]
        ) -> dict[str, float]:
    """Weights for ``free`` features fitted to ``records``; other features keep ``prior``.

    No weight is negative: a request's parts never lower its count, so a feature whose best
    weight would be below zero is held at zero and the rest fitted again.
    """
    free = list(free)
    while True:
        weights = _fit_once(records, free, prior)
        negative = [name for name in free if weights[name] < 0]
        if not negative:
            return weights
        prior = {**prior, **dict.fromkeys(negative, 0.0)}
        free = [name for name in free if name not in negative]


def _fit_once(records: Sequence[Record], free: Sequence[str], prior: Mapping[str, float]
              ) -> dict[str, float]:
    weights = dict(prior)
    if not records or not free:
        return weights
    fixed = {name: value for name, value in prior.items() if name not in free}
    rows = [[record.features.get(name, 0.0) for name in free] for record in records]
    rest = [record.billed - weigh(record.features, fixed) for record in records]
    scale = [1.0 / max(record.billed, 1) for record in records]
    start = [prior.get(name, 0.0) for name in free]
    solution = _weighted_least_squares(rows, rest, scale, start)
    for _ in range(_REWEIGHTINGS):
        errors = [abs(sum(w * x for w, x in zip(solution, row, strict=True)) - target) * s
                  for row, target, s in zip(rows, rest, scale, strict=True)]
        # Iteratively reweighted least squares towards least absolute relative error.
        robust = [s / math.sqrt(max(error, 1e-3)) for s, error in zip(scale, errors, strict=True)]
        solution = _weighted_least_squares(rows, rest, robust, start)
    weights.update(zip(free, solution, strict=True))
    return weights


def _weighted_least_squares(rows: Sequence[Sequence[float]], targets: Sequence[float],
                            scale: Sequence[float], prior: Sequence[float]) -> list[float]:
    """argmin sum((scale * (row . w - target))^2) + strength * sum((w - prior)^2)."""
    size = len(prior)
    normal = [[0.0] * size for _ in range(size)]
    right = [0.0] * size
    for row, target, s in zip(rows, targets, scale, strict=True):
        weighted = [value * s for value in row]
        for i in range(size):
            right[i] += weighted[i] * target * s
            for j in range(size):
                normal[i][j] += weighted[i] * weighted[j]
    for i in range(size):
        # The pull towards the prior scales with the records' own weight on that feature, so
        # that it is as weak for a per-request constant as for a per-token ratio; a feature
        # no record has keeps its prior.
        strength = PRIOR_STRENGTH * normal[i][i] + 1e-12
        normal[i][i] += strength
        right[i] += strength * prior[i]
    return _solve(normal, right)


def _solve(matrix: list[list[float]], right: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is small and well-posed)."""
    size = len(right)
    rows = [list(row) + [value] for row, value in zip(matrix, right, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        lead = rows[column][column]
        for r in range(column + 1, size):
            factor = rows[r][column] / lead
            for c in range(column, size + 1):
                rows[r][c] -= factor * rows[column][c]
    solution = [0.0] * size
    for r in reversed(range(size)):
        known = sum(rows[r][c] * solution[c] for c in range(r + 1, size))
        solution[r] = (rows[r][size] - known) / rows[r][r]
    return solution


def relative_error(estimate: int, billed: int) -> float:
    """How far an estimate is from the billed count, as a share of it: (estimate - billed) /
    billed, so that a 10-token miss weighs more on "hello" than on a long prompt."""
    return (estimate - billed) / billed


def relative_errors(records: Sequence[Record], weights: Mapping[str, float]) -> list[float]:
    """Each record's relative error, the estimate rounded as counts are."""
    return [relative_error(round(weigh(record.features, weights)), record.billed)
            for record in records]


def cross_validated_errors(records: Sequence[Record],
                           fitter: Callable[[Sequence[Record]], Mapping[str, float]]
                           ) -> list[float]:
    """Each record's relative error under weights fitted without its group, in the order of
    `records` (a group's records need not be next to each other)."""
    errors: list[float] = [math.nan] * len(records)
    for group in dict.fromkeys(record.group for record in records):
        held_out = [index for index, record in enumerate(records) if record.group == group]
        rest = [record for record in records if record.group != group]
        weights = fitter(rest)
        for index, error in zip(held_out, relative_errors([records[i] for i in held_out],
                                                          weights), strict=True):
            errors[index] = error
    return errors


def measure(errors: Sequence[float]) -> Measured:
    """Median and 90th percentile of the absolute errors, in percent."""
    ordered = sorted(abs(error) * 100 for error in errors)
    if not ordered:
        return Measured(0, math.nan, math.nan)
    return Measured(len(ordered), _percentile(ordered, 50), _percentile(ordered, 90))


def _percentile(ordered: Sequence[float], percent: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    position = (len(ordered) - 1) * percent / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
