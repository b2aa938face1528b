"""Sphinx configuration of this policy repository: the package's defaults (tooling.site)."""

from pathlib import Path

from tooling.site import sphinx_config

globals().update(sphinx_config(Path(__file__).parent))
