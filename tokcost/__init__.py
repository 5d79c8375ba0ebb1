"""tokcost: count LLM tokens, see how conversations grow, and project what they cost.

The public library surface; the command line (``tokcost``) is a thin layer over it. Names are
imported on first use, so that ``tokcost --version`` and other light commands start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tokcost._version import __version__

# Public name -> the module that defines it.
_EXPORTS = {
    "Simulation": "tokcost.reports.simulation",
    "SimulationRow": "tokcost.reports.simulation",
    "SimulationSummary": "tokcost.reports.simulation",
    "simulate": "tokcost.reports.simulation",
    "simulate_models": "tokcost.reports.simulation",
    "Projection": "tokcost.reports.projection",
    "ProjectionRow": "tokcost.reports.projection",
    "project": "tokcost.reports.projection",
    "TokenCount": "tokcost.counting.counter",
    "FileCount": "tokcost.inputs.count_files",
    "DocumentCount": "tokcost.inputs.count_files",
    "count_file": "tokcost.inputs.count_files",
    "count_messages": "tokcost.inputs.count_files",
    "count_text": "tokcost.inputs.count_files",
    "BatchCount": "tokcost.inputs.engines",
    "count_conversations": "tokcost.inputs.engines",
    "count_texts": "tokcost.inputs.engines",
    "Cost": "tokcost.pricing.costing",
    "TokenUsage": "tokcost.pricing.costing",
    "cost_of": "tokcost.pricing.costing",
    "rates_for": "tokcost.pricing.costing",
    "InputFileError": "tokcost.errors",
    "PricingError": "tokcost.errors",
    "TokcostError": "tokcost.errors",
    "UnknownModelError": "tokcost.errors",
    "UnknownPricingVersionError": "tokcost.errors",
    "UnpricedError": "tokcost.errors",
    "ModelPrice": "tokcost.pricing.schema",
    "Rates": "tokcost.pricing.schema",
    "Snapshot": "tokcost.pricing.schema",
    "PriceTable": "tokcost.pricing.table",
    "bundled_versions": "tokcost.pricing.table",
    "load_price_table": "tokcost.pricing.table",
    "UsageReport": "tokcost.reports.usage",
    "usage_report": "tokcost.reports.usage",
}

__all__ = [
    "BatchCount",
    "Cost",
    "DocumentCount",
    "FileCount",
    "TokenCount",
    "count_file",
    "count_messages",
    "count_conversations",
    "count_text",
    "count_texts",
    "InputFileError",
    "ModelPrice",
    "PriceTable",
    "PricingError",
    "Projection",
    "ProjectionRow",
    "Rates",
    "Simulation",
    "SimulationRow",
    "SimulationSummary",
    "Snapshot",
    "TokcostError",
    "TokenUsage",
    "UnknownModelError",
    "UnknownPricingVersionError",
    "UnpricedError",
    "UsageReport",
    "__version__",
    "bundled_versions",
    "cost_of",
    "load_price_table",
    "project",
    "rates_for",
    "simulate",
    "simulate_models",
    "usage_report",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tokcost' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from tokcost.counting.counter import TokenCount
    from tokcost.errors import (
        InputFileError,
        PricingError,
        TokcostError,
        UnknownModelError,
        UnknownPricingVersionError,
        UnpricedError,
    )
    from tokcost.inputs.count_files import (
        DocumentCount,
        FileCount,
        count_file,
        count_messages,
        count_text,
    )
    from tokcost.inputs.engines import BatchCount, count_conversations, count_texts
    from tokcost.pricing.costing import Cost, TokenUsage, cost_of, rates_for
    from tokcost.pricing.schema import ModelPrice, Rates, Snapshot
    from tokcost.pricing.table import PriceTable, bundled_versions, load_price_table
    from tokcost.reports.projection import Projection, ProjectionRow, project
    from tokcost.reports.simulation import (
        Simulation,
        SimulationRow,
        SimulationSummary,
        simulate,
        simulate_models,
    )
    from tokcost.reports.usage import UsageReport, usage_report
