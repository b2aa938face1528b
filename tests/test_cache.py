"""One cache key for the code: an edit to any file of the package (here, ``clauses.py`` in a copy
of it) invalidates the parsed-policy cache and the matching index, which otherwise are read
back as they were; and cache files are written whole or not at all."""

from __future__ import annotations

import pickle
import shutil
import threading
from pathlib import Path

import pytest

import tooling
from tooling import cache
from tooling.catalog import Catalog
from tooling.matching.index import load_index

POLICY = """---
policy: QD
title: 渠道返利办法
version: "1.0"
effective: 2026-01-01
owner: 市场部
language: zh
---

# 渠道返利办法

## 1 返利

### 1.1 返利的使用

返利只能用于抵扣后续提货的货款，不得提现。
"""


@pytest.fixture
def package_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fingerprint computed over a copy of the package, which the test may edit."""
    copy = tmp_path / "pkg"
    shutil.copytree(Path(tooling.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE", copy)
    cache.code_fingerprint.cache_clear()
    yield copy
    cache.code_fingerprint.cache_clear()


def _edit_the_parser(copy: Path) -> None:
    clauses = copy / "clauses.py"
    clauses.write_text(clauses.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    cache.code_fingerprint.cache_clear()


def test_the_fingerprint_covers_every_file_of_the_package(package_copy: Path) -> None:
    before = cache.code_fingerprint()
    assert cache.code_fingerprint() == before  # stable while nothing changes
    (package_copy / "__pycache__").mkdir(exist_ok=True)
    (package_copy / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    cache.code_fingerprint.cache_clear()
    assert cache.code_fingerprint() == before  # compiled files do not count
    _edit_the_parser(package_copy)
    assert cache.code_fingerprint() != before
    static = next((package_copy / "sphinx_ext" / "static").glob("*.js"))
    after_parser = cache.code_fingerprint()
    static.write_text(static.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    cache.code_fingerprint.cache_clear()
    assert cache.code_fingerprint() != after_parser


def test_an_edit_to_the_parser_is_not_answered_from_old_caches(make_repo, package_copy: Path) -> None:
    root = make_repo({"policies/qd.md": POLICY})
    Catalog.load(root)  # writes .policy-cache/policies.pickle
    parsed = cache.cache_dir(root, "policies.pickle")
    key, entries = pickle.loads(parsed.read_bytes())
    for _, policy, _ in entries.values():
        policy.clauses[-1].text = "STALE"  # what the old code would have made
    cache.write_atomic(parsed, pickle.dumps((key, entries)))
    assert Catalog.load(root).get("QD 1.1").text == "STALE"  # the cache is read while the code is the same
    index = load_index(root, encoder=None)
    index.docs[0].text = "STALE INDEX"
    (path,) = cache.cache_dir(root).glob("match-index-lexical-*.pkl")
    cache.write_atomic(path, pickle.dumps(index))
    assert load_index(root, encoder=None).docs[0].text == "STALE INDEX"

    _edit_the_parser(package_copy)
    catalog = Catalog.load(root)
    assert "不得提现" in catalog.get("QD 1.1").text
    assert "STALE" not in load_index(root, catalog, encoder=None).docs[0].text


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "c" / "entry.bin"
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(50):
                cache.write_atomic(target, bytes([n]) * 100_000)
                data = target.read_bytes()
                assert len(data) == 100_000 and len(set(data)) == 1  # never half of one, half of another
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [p.name for p in target.parent.iterdir()] == ["entry.bin"]
