"""Versions and history of policies, read from git: releases, clause-level diffs with
redlines, clauses in force on a date, and FAQ staleness stamps."""

from .diff import ClauseDiff, diff_policies, diff_refs
from .redline import RedlineOp, redline, redline_html, redline_text
from .releases import Release, clauses_at, find_release, list_releases, policies_at, policy_at

__all__ = ["ClauseDiff", "RedlineOp", "Release", "clauses_at", "diff_policies", "diff_refs", "find_release",
           "list_releases", "policies_at", "policy_at", "redline", "redline_html", "redline_text"]
