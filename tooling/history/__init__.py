"""Versions and history of policies, read from git: releases, clause-level diffs with
redlines, clauses in force on a date, places citing renumbered clauses, FAQ staleness stamps.

The Sphinx extension and the CLI call these functions; nothing here needs Sphinx.
"""

from ..catalog import read_versions_with
from .diff import ClauseDiff, diff_policies, diff_refs
from .impact import CitationUpdate, renumbered_citations, resolve_versioned
from .redline import RedlineOp, redline, redline_html, redline_text
from .releases import Release, clauses_at, find_release, list_releases, policies_at, policy_at, release_in_force
from .stale import ClauseStamp, StaleEntry, clause_hash, find_stale, format_stamps, parse_stamps, stale_problems

__all__ = [
    "CitationUpdate",
    "ClauseDiff",
    "ClauseStamp",
    "RedlineOp",
    "Release",
    "StaleEntry",
    "clause_hash",
    "clauses_at",
    "diff_policies",
    "diff_refs",
    "find_release",
    "find_stale",
    "format_stamps",
    "list_releases",
    "parse_stamps",
    "policies_at",
    "policy_at",
    "redline",
    "redline_html",
    "redline_text",
    "release_in_force",
    "renumbered_citations",
    "resolve_versioned",
    "stale_problems",
]

read_versions_with(resolve_versioned)  # the catalogue resolves SALES@2.0 4.2 through this layer
