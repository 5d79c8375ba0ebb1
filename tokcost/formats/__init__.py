"""Conversation formats: reading OpenAI, Anthropic, Gemini, ShareGPT and Batch requests into one
``Conversation`` (``shape.py``), telling which format a parsed document is in, writing a
conversation back as an Anthropic or Gemini request, and reading the input tokens a response's
usage block says were billed.

This package imports nothing itself. It sits at the bottom of tokcost's layers with ``pricing``:
it may import only the shared modules at the top of the package (``errors``, ``output``,
``cache``).
"""
