"""Safe paths: the one listing of a repository's source files, and where a command may write.

Sources are the files the tooling and Sphinx read: ``index.md``, everything under ``policies/``
and ``faq/``, and the templates in ``_templates/``. :func:`list_sources` is the only place that
lists them, so ``policy check``, the catalogue, the FAQ reader, the cache keys and the Sphinx
build all see the same files. A source that resolves outside the repository (a symbolic link to
``/etc/passwd``, a dangling link) is never read or published (PL111); a page whose name the site
cannot publish is reported instead of going missing (PL112).

Outputs never overwrite a source or the question store (PL602), are written to a temporary file
and renamed into place, and a site is never built into ``/``, the repository or a source folder
(PL603).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .cache import CACHE_DIR
from .config import Settings
from .errors import Code, PolicyToolError, Problem, problem

TEMPLATES_DIR = "_templates"
HOME_PAGE = "index.md"
PAGE_SUFFIX = ".md"
# Files a command's --out must never replace, besides everything under a source folder.
PROTECTED_FILES = ("index.md", "pyproject.toml", "conf.py")
# Characters that break the links the tooling writes (clauses.json, citations, answers): they are
# used raw in URLs, where '#' starts a fragment, '?' a query, '%' an escape and '\\' means '/'.
_URL_BREAKERS = "#?%\\"


@dataclass
class Sources:
    """What :func:`list_sources` found: the safe files per area, and what was left out and why."""

    root: Path
    policies: list[Path] = field(default_factory=list)  # policy pages (policies/**/*.md but index.md)
    faq: list[Path] = field(default_factory=list)  # FAQ pages (faq/**/*.md)
    pages: list[Path] = field(default_factory=list)  # every page of the site: index.md, policies, FAQ
    templates: list[Path] = field(default_factory=list)  # files under _templates/
    files: list[Path] = field(default_factory=list)  # every safe file of every area (any suffix)
    problems: list[Problem] = field(default_factory=list)  # PL111, PL112
    excluded: list[str] = field(default_factory=list)  # paths relative to the root that Sphinx must not read


def page_areas(settings: Settings) -> list[str]:
    """Sphinx ``include_patterns`` of the site's pages: the same areas :func:`list_sources` walks."""
    return [HOME_PAGE, f"{settings.policies_dir}/**", f"{settings.faq_dir}/**"]


def list_sources(root: Path, settings: Settings) -> Sources:
    """Every source file of the repository at ``root`` that is safe to read and publish."""
    return _Lister(Path(root), settings).run()


def shown(text: str) -> str:
    """A file name as it can be printed: control characters, invisible ones and undecodable
    bytes escaped (``a\\nb.md``), so an error about a strange name is itself readable."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def unpublishable(rel: str) -> str | None:
    """Why the page at ``rel`` (relative to the root, '/'-separated) cannot be published, or None.

    Found by building such names with Sphinx 9: it skips names with a leading '.' (``..md``,
    ``.drafts/x.md``), a newline, or not in Unicode NFC (a macOS-decomposed ``é``: "unreadable
    document"); names with bytes that are not UTF-8 crash the build; and the links the tooling
    writes (clauses.json, copy-citation, answers) break on '#', '?', '%', '\\\\', tabs, CR and spaces.
    """
    for part in rel.split("/"):
        if part.startswith("."):
            return f"{shown(part)!r} starts with '.', and Sphinx skips hidden files and folders"
        if unicodedata.normalize("NFC", part) != part:
            return f"{shown(part)!r} is not in Unicode NFC form, and Sphinx cannot read it under that name"
        for char in part:
            if unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp"):
                return f"{shown(part)!r} contains the control or invisible character U+{ord(char):04X}"
            if char.isspace():
                return f"{shown(part)!r} contains a space (U+{ord(char):04X}), which breaks the page's citation links"
            if char in _URL_BREAKERS:
                return f"{shown(part)!r} contains {char!r}, which breaks the page's links"
    suffix = rel.rsplit("/", 1)[-1].rpartition(".")[2]
    if f".{suffix}" != PAGE_SUFFIX:
        return f"only '{PAGE_SUFFIX}' files are pages, not '.{shown(suffix)}'"
    return None


def _glob_escape(rel: str) -> str:
    """A literal path as a Sphinx exclude pattern (Sphinx matches NFC names, globs * ? [)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in unicodedata.normalize("NFC", rel))


class _Lister:
    def __init__(self, root: Path, settings: Settings):
        self.root, self.settings = root, settings
        self.real_root = root.resolve()
        self.store = question_store(root, settings)
        self.found = Sources(root=root)

    def run(self) -> Sources:
        found, settings = self.found, self.settings
        home = self.root / HOME_PAGE
        if (home.is_symlink() or home.exists()) and self._safe(home):
            found.pages.append(home)
            found.files.append(home)
        for area in (settings.policies_dir, settings.faq_dir, TEMPLATES_DIR):
            folder = self.root / area
            if not self._safe(folder) or not folder.is_dir():
                continue
            for path in self._walk(folder, {folder.resolve()}):
                found.files.append(path)
                if area == TEMPLATES_DIR:
                    found.templates.append(path)
                elif _looks_like_page(path.name):
                    reason = unpublishable(path.relative_to(self.root).as_posix())
                    if reason:
                        self._unsafe(path, Code.SOURCE_NAME, f"page not published: {reason}")
                        continue
                    found.pages.append(path)
                    if area == settings.faq_dir:
                        found.faq.append(path)
                    elif path.name != HOME_PAGE:  # policies/**/index.md is a page, not a policy
                        found.policies.append(path)
        return found

    def _walk(self, folder: Path, seen: set[Path]) -> Iterator[Path]:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.found.problems.append(
                problem(Code.INPUT_UNREADABLE, f"cannot list the folder: {exc.strerror}", shown(str(folder)), 1)
            )
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".#"):
                continue  # an editor's lock file (Emacs: a dangling link), there only while a page is edited
            if entry.is_symlink():
                if not self._safe(path):
                    continue
                target = path.resolve()
                if target.is_dir():
                    if target in seen or Path(folder).resolve().is_relative_to(target):
                        self._unsafe(
                            path, Code.SOURCE_OUTSIDE, "is a symbolic link to a folder that contains it (a loop)"
                        )
                        continue
                    yield from self._walk(path, seen | {target})
                    continue
                yield path
            elif entry.is_dir(follow_symlinks=False):
                yield from self._walk(path, seen | {path.resolve()})
            else:
                yield path

    def _safe(self, link: Path) -> bool:
        """A symbolic link may point only at an existing file or folder of this repository."""
        if not link.is_symlink():
            return True
        try:
            target = link.resolve()
        except (OSError, RuntimeError):
            return self._unsafe(link, Code.SOURCE_OUTSIDE, "is a symbolic link that loops back on itself")
        if not target.exists():
            return self._unsafe(
                link, Code.SOURCE_OUTSIDE, f"is a symbolic link to {shown(os.readlink(link))}, which does not exist"
            )
        reason = outside_reason(self.real_root, self.store, target)
        return self._unsafe(link, Code.SOURCE_OUTSIDE, f"is a symbolic link to {reason}") if reason else True

    def _unsafe(self, path: Path, code: Code, message: str) -> bool:
        rel = path.relative_to(self.root).as_posix()
        self.found.problems.append(problem(code, message, shown(str(path)), 1))
        self.found.excluded.append(_glob_escape(rel))
        return False


def outside_reason(real_root: Path, store: Path, target: Path) -> str | None:
    """Why a resolved path is not a file the site may read: outside the repository, in a hidden
    folder of it (``.git``, ``.policy-cache``, ``.env``) or the question store; None if it may."""
    if not target.is_relative_to(real_root):
        return f"{shown(str(target))}, outside the repository"
    hidden = next((part for part in target.relative_to(real_root).parts if part.startswith(".")), None)
    if hidden:
        return f"{shown(str(target))}, in the repository's hidden {shown(hidden)!r}"
    if target == store or (target.parent == store.parent and target.name.startswith(store.name + "-")):
        return f"{shown(str(target))}, the question store"
    return None


def source_problem(root: Path, settings: Settings, path: Path) -> Problem | None:
    """For one known source file (a policy's FAQ page, ``faq/labels.jsonl``): a PL111 problem if
    it, or a folder on its way, is a link the listing would leave out; None if it may be read."""
    if not Path(path).is_symlink() and Path(path).resolve() == Path(os.path.abspath(path)):
        return None
    target = Path(path).resolve()
    reason = (
        outside_reason(Path(root).resolve(), question_store(root, settings), target)
        if target.exists()
        else f"{shown(str(target))}, which does not exist"
    )
    return problem(Code.SOURCE_OUTSIDE, f"is a symbolic link to {reason}", shown(str(path)), 1) if reason else None


def question_store(root: Path, settings: Settings) -> Path:
    return (Path(root) / settings.questions_db).resolve()


def _looks_like_page(name: str) -> bool:
    """Pages, and names an author meant as pages (``X.MD``, ``x.markdown``) that would go missing."""
    return name.lower().endswith((".md", ".markdown"))


# --- where commands write -------------------------------------------------------------------


def _guarded_folders(root: Path, settings: Settings) -> list[tuple[str, Path]]:
    """The folders no output may go into: the sources, git's own, the tooling's cache."""
    names = [settings.policies_dir, settings.faq_dir, TEMPLATES_DIR, ".git", CACHE_DIR]
    return [(name, (Path(root) / name).resolve()) for name in names]


def protected_reason(root: Path, settings: Settings, target: Path) -> str | None:
    """Why a command must not write the file ``target`` (resolved), or None if it may."""
    store = question_store(root, settings)
    if target == store or (target.parent == store.parent and target.name.startswith(store.name + "-")):
        return "is the question store"
    for name in PROTECTED_FILES:
        if target == (Path(root) / name).resolve():
            return f"is the repository's {name}"
    for name, folder in _guarded_folders(root, settings):
        if target.is_relative_to(folder):
            return f"is inside {name}/ of the repository"
    return None


def safe_output(root: Path, out: Path, settings: Settings) -> Path:
    """``out`` resolved, or a PL602 problem if writing it would replace a source or the store."""
    target = Path(out).resolve()
    reason = protected_reason(Path(root), settings, target)
    if reason:
        raise PolicyToolError(
            problem(
                Code.OUTPUT_OVERWRITES_SOURCE, f"refusing to write here: {shown(str(out))} {reason}", shown(str(out)), 1
            )
        )
    if target.is_dir():
        raise PolicyToolError(
            problem(
                Code.OUTPUT_OVERWRITES_SOURCE, "refusing to write here: it is a folder, not a file", shown(str(out)), 1
            )
        )
    return target


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it when the block succeeds: a reader
    never sees half a file, and a failure or Ctrl-C leaves the old file as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def output_file(root: Path, out: Path, settings: Settings) -> Iterator[Path]:
    """What every ``--out FILE`` goes through: checked (:func:`safe_output`), then written to a
    temporary file the block fills and renamed into place (:func:`replacing`)."""
    with replacing(safe_output(root, out, settings)) as tmp:
        yield tmp


def write_output(root: Path, out: Path, settings: Settings, text: str) -> Path:
    with output_file(root, out, settings) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(out).resolve()


def site_folder(root: Path, out: Path, settings: Settings) -> Path:
    """``out`` resolved, if a site may be built there: not ``/``, not the repository or a folder
    that contains it, not inside a source folder (PL603); empty, new or an earlier site (PL604),
    since the build replaces the whole folder."""
    target, real_root = Path(out).resolve(), Path(root).resolve()
    reason = None
    if target == Path(target.anchor):
        reason = "is the root of the file system"
    elif target == real_root:
        reason = "is the repository itself"
    elif real_root.is_relative_to(target):
        reason = "contains the repository"
    elif target.exists() and not target.is_dir():
        reason = "is a file"
    else:
        reason = next(
            (
                f"is inside {name}/ of the repository"
                for name, folder in _guarded_folders(root, settings)
                if target.is_relative_to(folder)
            ),
            None,
        )
    if reason:
        raise PolicyToolError(
            problem(
                Code.OUTPUT_DIR_UNSAFE,
                f"refusing to build the site into {shown(str(out))}: it {reason}",
                shown(str(out)),
                1,
            )
        )
    if target.is_dir() and any(target.iterdir()) and not (target / ".buildinfo").is_file():
        raise PolicyToolError(
            problem(
                Code.OUTPUT_DIR_NOT_SITE,
                f"refusing to replace {shown(str(out))}: the folder is not empty and holds no site built before",
                shown(str(out)),
                1,
            )
        )
    return target


def require_root(root: Path) -> Path:
    """The repository folder, or one PL605 problem (a missing root must not read as an empty,
    error-free repository, nor be created by a command that writes)."""
    if not Path(root).exists():
        raise PolicyToolError(
            problem(Code.ROOT_MISSING, "no such folder: the policy repository does not exist", shown(str(root)), 1)
        )
    if not Path(root).is_dir():
        raise PolicyToolError(
            problem(Code.ROOT_MISSING, "is a file, not a policy repository folder", shown(str(root)), 1)
        )
    return Path(root)


_STAGES = (".building-", ".old-")


class Discard(Exception):
    """Raised in a :func:`staged_folder` block to drop the new folder and keep the old one."""


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Fill a folder beside ``target`` and swap it in only when the block succeeds.

    The staging folder starts as a copy of ``target`` (modification times kept, so an
    incremental Sphinx build still rewrites only what changed). On an error, or Ctrl-C, it is
    removed and ``target`` stays as it was; on success the old folder is removed. Nothing named
    ``.<name>.building-PID`` or ``.<name>.old-PID`` outlives the call, and leftovers of a killed
    run are cleared (or restored) by the next one.
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(target)
    staging = parent / f".{target.name}{_STAGES[0]}{os.getpid()}"
    old = parent / f".{target.name}{_STAGES[1]}{os.getpid()}"
    try:
        if target.is_dir():
            shutil.copytree(target, staging, symlinks=True)
        else:
            staging.mkdir()
        try:
            yield staging
        except Discard:
            return
        with _interrupts_deferred():
            if target.exists():
                os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        with _interrupts_deferred():
            shutil.rmtree(staging, ignore_errors=True)


def _clear_leftovers(target: Path) -> None:
    for path in target.parent.iterdir():
        for stage in _STAGES:
            prefix = f".{target.name}{stage}"
            pid = path.name.removeprefix(prefix)
            if path.name.startswith(prefix) and pid.isdigit() and not _alive(int(pid)):
                if stage == _STAGES[1] and not target.exists():
                    os.rename(path, target)  # killed between the two renames: put the old site back
                else:
                    shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Ctrl-C waits until the block is done (a swap half done would leave no site at all)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt
