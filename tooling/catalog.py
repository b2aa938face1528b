"""All policies of a repository and their clauses: loading, key resolution, checks.

``Catalog.load(root)`` is what every command and the Sphinx extension start from.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import cache_dir, code_fingerprint, write_atomic
from .citations import KeySyntaxError, ParsedKey, parse_key
from .clauses import parse_policy_file
from .config import Settings, load_settings
from .errors import Code, PolicyToolError, Problem, problem
from .markdown import clause_citations, roles
from .models import Clause, Policy
from .paths import list_sources

if TYPE_CHECKING:
    from .faqpage import FaqPage

#: 第十二条第一款第（一）项 is clause 12(1): the first paragraph's item, written in full
FIRST_PARA_ITEM = re.compile(r"^(?P<art>\d+(?:-\d+)?)\.1\((?P<item>\d+)\)$")


#: Reads a versioned key (``SALES@2.0 4.2``) from the git history: ``(root, key, settings,
#: releases already read) -> Clause``, raising PolicyToolError. The history layer plugs its reader
#: in when it is imported (:func:`read_versions_with`), so the catalogue itself needs no git.
VersionedReader = Callable[[Path, str, Settings, dict], Clause]
_VERSIONED: list[VersionedReader] = []


def read_versions_with(reader: VersionedReader) -> None:
    """Resolve versioned citations with ``reader`` from now on (``tooling.history`` does this)."""
    _VERSIONED[:] = [reader]


@dataclass
class Catalog:
    root: Path
    settings: Settings
    policies: list[Policy] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _by_key: dict[str, Clause] = field(default_factory=dict)
    _by_id: dict[str, Policy] = field(default_factory=dict)
    _by_doc: dict[str, Policy] = field(default_factory=dict)  # Sphinx docname -> policy (per page)
    _by_anchor: dict[str, Clause] = field(default_factory=dict)
    _releases: dict[tuple[str, str], Policy] = field(default_factory=dict)  # (policy, version) read from git

    @classmethod
    def load(cls, root: Path, settings: Settings | None = None) -> Catalog:
        root = Path(root)
        settings = settings or load_settings(root)
        catalog = cls(root=root, settings=settings)
        sources = list_sources(root, settings)
        catalog.problems += sources.problems  # PL111/PL112: files left out of the site, and why
        cache = ParseCache(root, settings)
        for path in sources.policies:
            policy, problems = cache.parse(path)
            catalog.problems += problems
            if policy is None:
                continue
            other = catalog._by_id.get(policy.id)
            if other is not None:
                catalog.problems.append(
                    problem(
                        Code.POLICY_ID_DUPLICATE,
                        f"policy id {policy.id} is also used by {other.path}",
                        path,
                        policy.id_line,
                    )
                )
                continue
            catalog.add(policy)
        cache.save()
        return catalog

    def add(self, policy: Policy) -> None:
        self.policies.append(policy)
        self._by_id[policy.id] = policy
        self._by_doc.setdefault(policy.doc, policy)
        for clause in policy.clauses:
            self._by_key[clause.key] = clause
            self._by_anchor.setdefault(clause.anchor, clause)

    @property
    def clauses(self) -> Iterator[Clause]:
        for policy in self.policies:
            yield from policy.clauses

    def policy(self, policy_id: str) -> Policy | None:
        return self._by_id.get(policy_id.upper())

    def require(self, policy_id: str) -> Policy:
        """The policy with this id, or a PL107 problem listing the ids that exist."""
        policy = self.policy(policy_id)
        if policy is None:
            known = ", ".join(p.id for p in self.policies) or "none"
            raise PolicyToolError(
                problem(
                    Code.POLICY_UNKNOWN,
                    f"no policy with id {policy_id!r} (known: {known})",
                    self.root / self.settings.policies_dir,
                    1,
                )
            )
        return policy

    def policy_by_doc(self, doc: str) -> Policy | None:
        return self._by_doc.get(doc)

    def clause_by_anchor(self, anchor: str) -> Clause | None:
        return self._by_anchor.get(anchor)

    def get(self, key: str | ParsedKey) -> Clause | None:
        """The clause a citation key names (any accepted spelling, or a parsed key), or None: also
        when the text is not a key at all (an entry's ``:clauses:`` line, a typo). Use
        :meth:`resolve` to learn why a key written in a file does not resolve."""
        try:
            parsed = parse_key(key) if isinstance(key, str) else key
        except KeySyntaxError:
            return None
        clause = self._by_key.get(parsed.key)
        if clause is None:  # 第十二条第一款第（一）项 is the same as 第十二条第（一）项
            match = FIRST_PARA_ITEM.match(parsed.number)
            if match:
                clause = self._by_key.get(f"{parsed.policy} {match['art']}({match['item']})")
        return clause

    def resolve(self, text: str, file: str | Path, line: int) -> Clause | Problem:
        """The clause a citation written in a file names, or the problem (at that file and line)
        that says why it names none."""
        try:
            parsed = parse_key(text)
        except KeySyntaxError as exc:
            return problem(Code.CITATION_SYNTAX, f"bad citation {text!r}: {exc}", file, line)
        if parsed.version is not None:
            return self._resolve_versioned(parsed, text, file, line)
        clause = self.get(parsed)
        if clause is None:
            known = "" if self.policy(parsed.policy) else f" (no policy with id {parsed.policy})"
            return problem(Code.CITATION_UNKNOWN, f"unknown clause {parsed.key!r}{known}", file, line)
        return clause

    def _resolve_versioned(self, parsed: ParsedKey, text: str, file: str | Path, line: int) -> Clause | Problem:
        """``SALES@2.0 4.2`` names the clause as it read in release 2.0 (from the git history, by
        the reader the history layer plugged in)."""
        if not _VERSIONED:
            return problem(
                Code.CITATION_UNKNOWN_VERSION,
                f"cannot resolve {text!r}: versioned citations are read from git by tooling.history, "
                "which this program did not load",
                file,
                line,
            )
        try:
            return _VERSIONED[0](self.root, text, self.settings, self._releases)
        except PolicyToolError as exc:
            first = exc.problems[0]
            code = (
                Code.CITATION_UNKNOWN_VERSION
                if first.code in (Code.HISTORY_UNKNOWN_REF, Code.CITATION_UNKNOWN)
                else first.code
            )
            return problem(code, f"cannot resolve {text!r}: {first.message}", file, line)

    def check_citations(self, faq_pages: list[FaqPage] | None = None) -> list[Problem]:
        """Every ``{clause}`` role in every page of the site must resolve.

        ``faq_pages``: the FAQ pages the caller already read (``faq.entries.read_pages``), whose
        citations were collected when they were parsed; an FAQ file missing from them could not
        be read, which the caller reports."""
        problems: list[Problem] = []
        parsed = {Path(p.path).resolve(): p.citations for p in self.policies}
        faq_dir = (self.root / self.settings.faq_dir).resolve()
        if faq_pages is not None:
            parsed.update({(self.root / p.path).resolve(): p.citations for p in faq_pages})
        for path in site_pages(self.root, self.settings):
            found = parsed.get(path.resolve())
            if found is None and faq_pages is not None and path.resolve().is_relative_to(faq_dir):
                continue  # unreadable: reported by the caller's read
            if found is None:
                try:
                    source = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    problems.append(problem(Code.INPUT_UNREADABLE, f"cannot read: {exc}", path, 1))
                    continue
                found = clause_citations(roles(source))
            for cite in found:
                if isinstance(result := self.resolve(cite.target, path, cite.line), Problem):
                    problems.append(result)
        return problems


class ParseCache:
    """Parsed policies kept on disk (``.policy-cache/policies.pickle``), keyed by each file's path
    and a hash of its content (not its size and mtime, which an edit can keep), so commands that
    only read clauses do not re-parse unchanged Markdown."""

    VERSION = 4

    def __init__(self, root: Path, settings: Settings):
        self.root, self.settings = root, settings
        self.path = cache_dir(root, "policies.pickle")
        self.key = (self.VERSION, settings.language, code_fingerprint())
        self.entries: dict[str, tuple] = {}
        self.dirty = False
        try:
            with self.path.open("rb") as fh:
                key, entries = pickle.load(fh)
            if key == self.key:
                self.entries = entries
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            pass  # no cache or an old one: parse everything

    def parse(self, path: Path) -> tuple[Policy | None, list[Problem]]:
        try:
            data = path.read_bytes()
        except OSError:
            return parse_policy_file(path, self.root, self.settings.language)  # reports it (PL501)
        digest = hashlib.blake2b(data, digest_size=16).digest()
        name = str(path)
        hit = self.entries.get(name)
        if hit and hit[0] == digest:
            return hit[1], hit[2]
        policy, problems = parse_policy_file(path, self.root, self.settings.language, data)
        self.entries[name] = (digest, policy, problems)
        self.dirty = True
        return policy, problems

    def save(self) -> None:
        if not self.dirty:
            return
        with contextlib.suppress(OSError):  # a read-only checkout still works, just without the cache
            write_atomic(self.path, pickle.dumps((self.key, self.entries), protocol=pickle.HIGHEST_PROTOCOL))


def policy_files(root: Path, settings: Settings) -> list[Path]:
    """The policy files (``policies/**/*.md`` but ``index.md``) that are safe to read."""
    return list_sources(root, settings).policies


def source_digest(root: Path, settings: Settings, *extra: str | bytes) -> str:
    """Hash of every policy and FAQ file (names and contents) plus ``extra``: the key of caches
    built from the sources (the matching index, the site's search index)."""
    digest = hashlib.sha256()
    for item in (settings.policies_dir, settings.faq_dir, *extra):
        digest.update(item if isinstance(item, bytes) else item.encode())
    sources = list_sources(root, settings)
    for path in [*sources.policies, *sources.faq]:
        digest.update(str(path.relative_to(root)).encode("utf-8", "surrogateescape"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def site_pages(root: Path, settings: Settings) -> list[Path]:
    """The Markdown pages the site is built from (the home page, policies, FAQ pages)."""
    return list_sources(root, settings).pages
