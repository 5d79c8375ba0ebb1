"""Reading the public price lists a table is imported from or checked against.

Three shapes come in: LiteLLM's JSON object of models (model_prices_and_context_window.json or
its _backup copy), genai-prices' data, either as the JSON list of providers its repository keeps
or as the ``data.py`` its wheel ships (the wheel holds no JSON), and the wheel of either package
as ``pip download --no-deps litellm genai-prices`` leaves it, read without unpacking.
Nothing is fetched: the user gives the file.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from tokcost.errors import InputFileError
from tokcost.files import PRICE_LIST_LIMIT, read_small_file

# Where each package's wheel keeps its list, in the order they are looked for.
WHEEL_MEMBERS = (
    "litellm/model_prices_and_context_window_backup.json",
    "genai_prices/data.json",
    "genai_prices/data.py",
)
LITELLM_SHAPE = "LiteLLM's JSON object of models"
GENAI_SHAPE = "genai-prices' list of providers (its data.json, or the data.py of its wheel)"


def read_price_list(path: str | Path, *, genai_too: bool = True) -> Any:
    """LiteLLM's object of models, or (with ``genai_too``) genai-prices' list of providers,
    from a JSON file, genai-prices' data.py, or a wheel holding one of them."""
    name = str(path)
    if name.endswith(".whl"):
        text, name = _wheel_member(path)
    else:
        text = _text(read_small_file(path, PRICE_LIST_LIMIT, "price list"), name)
    if name.endswith(".py"):
        if not genai_too:
            raise InputFileError(f"{path}: expected {LITELLM_SHAPE}, not a Python file")
        from tokcost.pricing.genai_prices import read_data_py

        return read_data_py(text, str(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(
            f"{name}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"
        ) from None
    if not isinstance(data, dict) and not (genai_too and isinstance(data, list)):
        raise InputFileError(f"{name}: expected {LITELLM_SHAPE}"
                             + (f" or {GENAI_SHAPE}" if genai_too else ""))
    return data


def _text(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(f"{name}: cannot be read: {error}") from None


def _wheel_member(path: str | Path) -> tuple[str, str]:
    """The price list inside a wheel, and its name as ``wheel!member`` for messages."""
    try:
        with zipfile.ZipFile(path) as wheel:
            names = set(wheel.namelist())
            member = next((m for m in WHEEL_MEMBERS if m in names), None)
            if member is None:
                raise InputFileError(f"{path}: a wheel without a price list (looked for "
                                     f"{', '.join(WHEEL_MEMBERS)}); give the litellm or "
                                     "genai-prices wheel")
            if wheel.getinfo(member).file_size > PRICE_LIST_LIMIT:
                raise InputFileError(f"{path}!{member}: larger than a price list can be")
            raw = wheel.read(member)
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise InputFileError(f"{path}: not a readable wheel ({error})") from None
    name = f"{path}!{member}"
    return _text(raw, name), name
