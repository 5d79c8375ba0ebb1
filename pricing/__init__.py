"""The bundled price tables, installed as ``tokcost.price_tables`` (data only)."""
