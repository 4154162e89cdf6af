"""Fakes of the platforms' APIs that the real client libraries talk to on 127.0.0.1 in tests."""

WAIT_SECONDS = 15.0
"""How long a test waits for the bot's visible effect before it fails: a bound, not a timing.

Drawing a report's charts took over 5 s on a loaded 2-core machine and failed a correct run; a
test that passes never waits this long, so a generous bound costs nothing.
"""
