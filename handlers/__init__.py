"""Platform-neutral commands: an incoming message in, replies out, no platform I/O."""
