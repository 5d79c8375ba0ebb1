"""Inputs: finding files, directories, globs and standard input, streaming them in batches in
the right format, and counting whole files, over worker processes when they are large.

This package imports nothing itself. It sits above ``counting`` (and the layers below it), which
it may import; the reports and the command line sit above it.
"""
