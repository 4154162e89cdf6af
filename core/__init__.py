"""The bottom of the import graph: neutral types, the error family, i18n, the adapter Protocol, metrics.

Everything else may import from here; nothing here imports from bot, scheduler, handlers or store.
"""

from importlib.metadata import version

# The installed distribution's version: what `clusterbot --version`, /readyz and /metrics report.
__version__ = version("clusterbot")
