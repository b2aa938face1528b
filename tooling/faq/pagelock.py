"""One writer per FAQ page: ``policy faq draft`` holds a lock for its whole read-draft-append
cycle, so two runs at once cannot both number new entries from the same page (duplicate ids).

An ``fcntl`` lock on ``.policy-cache/faq/<page>.lock`` (git-ignored, never proposed): the kernel
drops it when the process ends, however it ends, so a crashed or killed run leaves no stale lock.
A second run is refused at once (PL810) rather than left waiting silently behind a slow LLM.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from ..cache import cache_dir
from ..errors import Code, PolicyToolError, problem


def _rel(root: Path, page: Path) -> str:
    return Path(page).relative_to(Path(root)).as_posix()


def state_path(root: Path, page: Path, suffix: str) -> Path:
    """A per-page file under ``.policy-cache/faq/`` (the page's path, quoted, plus ``suffix``)."""
    rel = _rel(root, page)
    return cache_dir(root, "faq", quote(rel, safe="") + suffix)


@contextmanager
def page_lock(root: Path, page: Path) -> Iterator[None]:
    """Hold the page's lock, or raise PL810 naming the page and the process that holds it."""
    path = state_path(root, page, ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise PolicyToolError(
                problem(
                    Code.FAQ_PAGE_LOCKED,
                    f"{_rel(root, page)} is being drafted by another 'policy faq draft' (pid {holder})",
                    _rel(root, page),
                    1,
                )
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
