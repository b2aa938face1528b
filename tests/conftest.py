"""Shared fixtures: the repository root, the dev evaluation set, temporary policy repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev"


@pytest.fixture
def dev_dir() -> Path:
    """``../shared/eval/dev`` (dev policies and labeled questions); skipped where absent."""
    if not DEV.is_dir():
        pytest.skip("../shared/eval/dev is not beside this checkout")
    return DEV


@pytest.fixture
def make_repo(tmp_path: Path):
    """Make a policy repository in a temp folder: ``make_repo({"policies/a.md": text, ...})``."""

    def _make(files: dict[str, str], name: str = "repo") -> Path:
        root = tmp_path / name
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (root / "policies").mkdir(parents=True, exist_ok=True)
        (root / "faq").mkdir(exist_ok=True)
        return root

    return _make


@pytest.fixture
def dev_repo(tmp_path: Path, dev_dir: Path) -> Path:
    """A repository holding the dev set's two policies (SALES, TRAVEL)."""
    root = tmp_path / "devrepo"
    shutil.copytree(dev_dir / "policies", root / "policies")
    (root / "faq").mkdir()
    return root
