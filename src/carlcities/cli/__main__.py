"""``python -m carlcities.cli``."""

from . import main

main()
