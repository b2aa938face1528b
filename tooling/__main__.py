"""``python -m tooling`` is the ``policy`` command."""

from .cli import main

main()
