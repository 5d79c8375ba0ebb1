"""The bundled price tables (data only): one YAML snapshot per effective date.

They live inside the package in the source tree as in an installed wheel, so that tokcost run
from a checkout (``python -m pytest``, ``python -m tokcost``) finds the same tables.
"""
