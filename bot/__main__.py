"""`python -m bot` is `clusterbot`, for environments where the script is not on PATH."""

from bot.cli import main

main()
