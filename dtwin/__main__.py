"""``python -m dtwin``: the same as the ``dtwin`` command."""

from dtwin.cli import main

main()
