"""Benchmarks for ailoop-py: the SDK measured side by side with the limit of its stack.

Run ``python -m bench`` (or ``python bench/run.py``); ``--quick`` for a shorter run. Each
benchmark is its own module exposing ``run(quick) -> BenchResult``; the runner executes
each one in a fresh child process and regenerates ``BENCHMARKS.md``. Benchmarks talk only
to the stand-in server (``ailoop.testing``) on loopback and are never run by the tests.
"""
