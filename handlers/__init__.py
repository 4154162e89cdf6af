"""Platform-neutral commands: an incoming message in, replies out, no platform I/O.

The folder shows its shape. `handlers/engine/` is the machinery every command runs on: the
assistant adapters call, the router and the command registry (`engine/commands.py`), guided flows,
the context a handler is given, one-line forms, confirmation buttons, name resolving, and the shared
parsers and formatters (times, spoken languages). The modules left directly in `handlers/` are the
commands themselves, one module per subject (`events`, `profile`, `privacy`…), plus the texts they
share (`notices`, `event_changes`, `ics`). Commands stay at the top level rather than in a
`commands/` subpackage so that a new command is one new file next to its siblings, and the engine is
the only thing one has to look inside a folder for.
"""
