"""``python -m tokcost``."""

from tokcost._entry import run

run()
