"""tokcost's version, in a module of its own so that every layer may read it (the cache keys
its entries by it) without importing the public package."""

__version__ = "0.1.0"
