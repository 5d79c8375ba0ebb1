"""Shared fixtures: the bundled price tables and a small costing table."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokcost.price_table import PriceTable, load_bundled, load_file

DATA = Path(__file__).parent / "data"
SEED_ERA = "2025-03-01"
CURRENT = "2026-11-22"


@pytest.fixture(scope="session")
def current_table() -> PriceTable:
    return load_bundled(CURRENT)


@pytest.fixture(scope="session")
def seed_table() -> PriceTable:
    return load_bundled(SEED_ERA)


@pytest.fixture(scope="session")
def costing_table() -> PriceTable:
    return load_file(DATA / "costing.yaml")


@pytest.fixture(autouse=True)
def _no_user_pricing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own $TOKCOST_PRICING must not change what the tests see."""
    monkeypatch.delenv("TOKCOST_PRICING", raising=False)
