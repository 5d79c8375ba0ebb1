"""Reports: projecting a workload's daily, monthly and yearly cost, simulating how a
conversation's requests grow turn by turn, and drawing that growth in the terminal or as a plot.

This package imports nothing itself. It sits at the top of the library's layers: it may import
``inputs``, ``counting``, ``pricing`` and ``formats``; only the command line imports it.
"""
