"""The caches, in one place: where they live, the fingerprint of the code that shapes what they
hold, and atomic writes.

Two places: a repository's ``ROOT/.policy-cache/`` (parsed policies, matching and search
indexes, release pages, LLM replies, FAQ page locks), git-ignored and never proposed; and a user
cache (``POLICY_CACHE_DIR``, else ``$XDG_CACHE_HOME/policy-tooling``) for what does not depend on
a repository (jieba's dictionary, the CC-CEDICT glossary).

Every cache whose content code computes is keyed by :func:`code_fingerprint`: the package's
version plus a hash of every file of the package. Any change to the tooling (an upgrade, a local
edit) therefore invalidates them all, and no list of "files that matter" can go stale. LLM replies
are keyed by the request itself (model and messages), which is what determines them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from . import __version__

CACHE_DIR = ".policy-cache"
PACKAGE = Path(__file__).resolve().parent


def cache_dir(root: Path, *parts: str) -> Path:
    """``ROOT/.policy-cache/…``: what the tooling can rebuild for one repository."""
    return Path(root) / CACHE_DIR / Path(*parts) if parts else Path(root) / CACHE_DIR


def user_cache_dir() -> Path:
    """The user cache (created): ``POLICY_CACHE_DIR``, else ``$XDG_CACHE_HOME/policy-tooling``."""
    base = os.environ.get("POLICY_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "policy-tooling"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The version plus a hash of every file of the installed package (about 1 MB: a few ms, once
    per process). Compiled files are left out; they follow their sources."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file beside it, renamed into place, so a
    reader never sees half a file and concurrent writers never collide."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
