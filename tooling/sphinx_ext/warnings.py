"""The one way a problem becomes a Sphinx warning: ``CODE message (hint)``, of type ``policy`` with
the code as subtype, so a repository filters them as it filters any Sphinx warning
(``suppress_warnings = ["policy.PL204"]``, or ``["policy"]`` for all).

Under ``policy build`` (``policy_checked``), the problems ``policy check`` also finds were printed
before Sphinx ran, with their file:line; they are not logged a second time. Problems only a
build can find (a release page that fails to build) are always logged.
"""

from __future__ import annotations

from typing import Any

from sphinx.util import logging

from ..errors import Problem

TYPE = "policy"
logger = logging.getLogger("tooling.sphinx_ext")


def warn(config: Any, prob: Problem, location: Any = None, *, in_check: bool = True) -> None:
    """Log ``prob`` at ``location`` (a node, ``(docname, line)`` or ``"file:line"``; default its own
    file:line). ``in_check``: ``policy check`` reports it too."""
    if in_check and getattr(config, "policy_checked", False):
        return
    if location is None and prob.file:
        location = f"{prob.file}:{prob.line or 1}"
    text = f"{prob.code.value} {prob.message}" + (f" ({prob.hint})" if prob.hint else "")
    logger.warning("%s", text, location=location, type=TYPE, subtype=prob.code.value)
