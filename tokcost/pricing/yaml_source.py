"""Reading price-table YAML safely, exactly and with every duplicate key noticed.

PyYAML's safe loader silently keeps the last of two equal keys and reads 0.15 as a binary float;
this loader records duplicates (with their line) and reads decimals as ``Decimal`` from the text.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from tokcost.errors import PricingError, PricingProblem
from tokcost.pricing.schema import LineDict

# The C parser is several times faster; the constructor below stays in Python either way.
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PriceLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """yaml.SafeLoader (only plain data types, never objects) plus the two changes above."""


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be plain text", key_node.start_mark
            )
        line = key_node.start_mark.line + 1
        value = loader.construct_object(value_node, deep=True)
        if key in mapping:
            # Keep the definition YAML would drop, so that its problems are reported too.
            mapping.duplicates.append((key, line, mapping[key], mapping.lines[key]))
        mapping.lines[key] = line
        mapping[key] = value
    return mapping


def _construct_decimal(loader: Any, node: yaml.ScalarNode) -> Decimal | float | str:
    text = str(loader.construct_scalar(node))
    try:
        return Decimal(text.replace("_", ""))
    except InvalidOperation:
        pass
    try:
        # .inf and .nan: keep YAML's float so that validation can name the problem.
        return float(yaml.SafeLoader.construct_yaml_float(loader, node))
    except ValueError:
        return text  # `!!float x`: validation says what the field needs


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    # An impossible date such as 2025-02-30 stays text, for validation to name, rather than
    # escaping from PyYAML as a bare ValueError.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return str(loader.construct_scalar(node))


_PriceLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_PriceLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_PriceLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def parse_price_yaml(text: str, origin: str) -> Any:
    """Parse YAML text; a syntax error becomes a PricingError naming the line and column."""
    try:
        return yaml.load(text, Loader=_PriceLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or "invalid YAML"
        if error.context and error.context_mark and error.problem_mark \
                and error.context_mark.line != error.problem_mark.line:
            # "did not find ']'" at the end means little without where the [ was opened.
            what += f" ({error.context} from line {error.context_mark.line + 1})"
        column = f", column {mark.column + 1}" if mark else ""
        raise PricingError([PricingProblem(
            origin, f"YAML syntax error{column}: {what}", line=mark.line + 1 if mark else None
        )]) from None
    except yaml.YAMLError as error:
        raise PricingError([PricingProblem(origin, f"YAML error: {error}")]) from None
    except (ValueError, TypeError, OverflowError) as error:
        # A tagged scalar PyYAML cannot build (`!!int x`, `!!binary` of bad base64...).
        raise PricingError([PricingProblem(origin, f"YAML value cannot be read: {error}")]) \
            from None
