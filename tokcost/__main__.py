"""``python -m tokcost``."""

from tokcost.cli import console

console()
