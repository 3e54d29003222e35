"""The measures of ``benchmarks/run.py`` (issue 11), one module each, and what they share.

Each measure module has ``run(ctx) -> Outcome``: it builds what it needs, times its
subject and its reference interleaved in the same run, and returns its figures; the
orchestrator records an exception as that measure's error and goes on with the next.
"""
