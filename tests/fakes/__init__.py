"""Fakes of the platforms' APIs that the real client libraries talk to on 127.0.0.1 in tests."""
