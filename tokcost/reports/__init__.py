"""Reports: projecting a workload's daily, monthly and yearly cost, simulating how a
conversation's requests grow turn by turn, drawing that growth in the terminal or as a plot, and
the rows of the catalog commands (``models``, ``pricing versions/show/diff``).

This package imports nothing itself. It sits at the top of the library's layers: it may import
``inputs``, ``counting``, ``pricing`` and ``formats``; only the command line imports it.
"""
