"""Prices: the table's schema and validation, loading the bundled and user tables, turning
tokens into money, and importing LiteLLM's price list.

This package imports nothing itself, so that importing one of its modules stays cheap. It sits at
the bottom of tokcost's layers with ``formats``: it may import only the shared modules at the top
of the package (``errors``, ``output``, ``cache``).
"""
