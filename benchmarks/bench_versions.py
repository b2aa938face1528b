"""Issue 6 (site side): build time of the example site when SALES has 1 and 10 releases.

The example repository's three policies are committed into a temporary git repository; SALES
is then released again and again (each release edits one clause and moves the effective date),
the others keep one release. Baseline, measured in the same run: a cold build (empty output,
no cache) of that site with 1 release of each policy. Figures, as ratios to the baseline:

* cold builds with 1 and 10 SALES releases (every release page built by the small builds);
* a rebuild with nothing changed (release pages come from ``.policy-cache/releases``);
* a rebuild after an 11th release (only the new page and the one it supersedes are built);
* the same site in a folder that is not a git repository (no versions at all), for reference.

Wall time and CPU time (this process plus the release-builder processes) are both printed: on a
busy machine the CPU figures are the steadier ones.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import resource
import shutil
import tempfile
import time
from pathlib import Path

import git

from tooling.site import build_site
from tooling.sphinx_ext.release_build import LOG_FILE, cache_root

EXAMPLE = Path(__file__).resolve().parents[1]
POLICIES = ("sales-policy.md", "rebate-rules.md", "travel-policy.md")
TZ = dt.timezone(dt.timedelta(hours=8))


def make_site(root: Path, releases: int, with_git: bool = True) -> None:
    """The example site (home page, three policies) with ``releases`` releases of SALES."""
    (root / "policies").mkdir(parents=True)
    (root / "faq").mkdir()
    shutil.copy(EXAMPLE / "index.md", root / "index.md")
    shutil.copy(EXAMPLE / "pyproject.toml", root / "pyproject.toml")
    for name in POLICIES:
        shutil.copy(EXAMPLE / "policies" / name, root / "policies" / name)
    if not with_git:
        return
    sales = root / "policies" / "sales-policy.md"
    text = re.sub(r'version: "[^"]*"', 'version: "1.0"', sales.read_text(encoding="utf-8"))
    sales.write_text(re.sub(r"effective: \S+", "effective: 2000-01-01", text), encoding="utf-8")
    repo = git.Repo.init(root)
    who = git.Actor("bench", "bench@example.com")
    repo.index.add(["index.md", "pyproject.toml", *(f"policies/{n}" for n in POLICIES)])
    when = dt.datetime(2000, 1, 1, tzinfo=TZ)
    repo.index.commit("example site", author=who, committer=who, author_date=when, commit_date=when)
    text = sales.read_text(encoding="utf-8")
    for n in range(1, releases):
        text = re.sub(r'version: "[^"]*"', f'version: "{n + 1}.0"', text)
        text = re.sub(r"effective: \S+", f"effective: {2000 + n}-01-01", text)
        text = text.replace("。", f"（第{n}次修订）。", 1)
        sales.write_text(text, encoding="utf-8")
        repo.index.add(["policies/sales-policy.md"])
        when = dt.datetime(2000 + n, 1, 1, tzinfo=TZ)
        repo.index.commit(f"SALES {n + 1}.0", author=who, committer=who, author_date=when, commit_date=when)
    repo.close()


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the release builders)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed_build(root: Path) -> tuple[float, float, dict]:
    start, cpu = time.perf_counter(), _cpu()
    status = build_site(root, root / "_build" / "html", quiet=True)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    if status != 0:
        raise SystemExit(f"build of {root} failed ({status})")
    log = cache_root(root) / LOG_FILE
    return elapsed, cpu, (json.loads(log.read_text()) if log.is_file() else {"built": [], "cached": []})


def add_release(root: Path, n: int) -> None:
    sales = root / "policies" / "sales-policy.md"
    text = re.sub(r'version: "[^"]*"', f'version: "{n}.0"', sales.read_text(encoding="utf-8"))
    sales.write_text(re.sub(r"effective: \S+", f"effective: {1999 + n}-01-01", text), encoding="utf-8")
    repo = git.Repo(root)
    repo.index.add(["policies/sales-policy.md"])
    repo.index.commit(f"SALES {n}.0")
    repo.close()


def main() -> dict:
    figures: dict[str, tuple[float, float, dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        one, ten, plain = Path(tmp) / "one", Path(tmp) / "ten", Path(tmp) / "plain"
        make_site(one, 1)
        make_site(ten, 10)
        make_site(plain, 1, with_git=False)
        timed_build(plain)  # warm-up: imports and first-use caches must not count against the baseline
        shutil.rmtree(plain / "_build")
        figures["1 release, cold (baseline)"] = timed_build(one)
        figures["1 release, rebuild, nothing changed"] = timed_build(one)
        figures["10 releases, cold"] = timed_build(ten)
        figures["10 releases, rebuild, nothing changed"] = timed_build(ten)
        add_release(ten, 11)
        figures["11th release added, rebuild"] = timed_build(ten)
        figures["not a git repository, cold"] = timed_build(plain)
    base, base_cpu, _ = figures["1 release, cold (baseline)"]
    print(
        f"example site (SALES, REBATE, TRAVEL); baseline = cold build with 1 release = {base:.2f} s wall, "
        f"{base_cpu:.2f} s CPU (incl. release builders)"
    )
    for name, (seconds, cpu, log) in figures.items():
        pages = f"release pages built {len(log['built']):2d}, from cache {len(log['cached']):2d}"
        print(
            f"  {name:<40} wall {seconds:6.2f} s = {seconds / base:5.2f}x   CPU {cpu:6.2f} s = "
            f"{cpu / base_cpu:5.2f}x   ({pages})"
        )
    return {name: {"wall_s": seconds, "cpu_s": cpu} for name, (seconds, cpu, _) in figures.items()}


if __name__ == "__main__":
    main()
