"""The reliability suite: hostile input, authorisation, faults, load and concurrent writers."""
