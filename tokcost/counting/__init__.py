"""Counting tokens: the bundled, hash-checked encodings, a model's counter with its chat framing,
image tokens, and the exact count from Anthropic's count-tokens endpoint.

This package imports nothing itself, so that light commands do not load tiktoken. It sits above
``pricing`` and ``formats``, which it may import, and below everything else.
"""
