"""Platform adapters, settings, wiring and the command line: the only place that knows every part."""

from importlib.metadata import version

# The installed distribution's version: what `clusterbot --version`, /readyz and /metrics report.
__version__ = version("clusterbot")
