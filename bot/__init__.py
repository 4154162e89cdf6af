"""Platform adapters, settings, wiring and the command line: the only place that knows every part."""
