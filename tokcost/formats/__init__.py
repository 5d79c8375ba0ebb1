"""Conversation formats: reading OpenAI, Anthropic, ShareGPT and Batch requests into one
``Conversation``, telling which format a parsed document is in, and writing a conversation back
as an Anthropic request.

This package imports nothing itself. It sits at the bottom of tokcost's layers with ``pricing``:
it may import only the shared modules at the top of the package (``errors``, ``output``,
``cache``).
"""
