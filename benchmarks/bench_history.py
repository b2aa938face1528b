"""Issue 6: cost of history features on the example SALES policy (45 clauses) committed as 1, 10
and 50 releases (each release edits one clause and inserts one, so later clauses renumber).

Baseline, measured in the same run: parsing the current policy file once (``parse_policy_file``).
Figures: listing releases (cold: git log + front matter of every committed state), the policy at
a release, a clause diff first -> last release, and clauses in force on a date; as ratios to it.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import git

from tooling.clauses import parse_policy_file
from tooling.history import clauses_at, diff_refs, list_releases, policy_at
from tooling.history import releases as releases_module

SOURCE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "policies" / "sales-policy.md"
TZ = dt.timezone(dt.timedelta(hours=8))


def make_history(root: Path, releases: int) -> None:
    """Commit ``releases`` versions of the dev SALES policy (plus one amendment per release)."""
    text = SOURCE.read_text(encoding="utf-8")
    repo = git.Repo.init(root)
    path = root / "policies" / "sales-policy.md"
    path.parent.mkdir(parents=True)
    who = git.Actor("bench", "bench@example.com")
    for n in range(releases):
        version, effective = f"{n + 1}.0", dt.date(2000 + n, 1, 1)
        text = re.sub(r'version: "[^"]*"', f'version: "{version}"', text)
        text = re.sub(r"effective: \S+", f"effective: {effective}", text)
        if n:  # edit one clause, insert one at the top of section 9 (renumbering the rest)
            text = text.replace("。", f"（第{n}次修订）。", 1)
            text = re.sub(r"### 9\.(\d+) ", lambda m: f"### 9.{int(m[1]) + 1} ", text)
            text = text.replace("\n### 9.2 ", f"\n### 9.1 新增条款{n}\n\n第{n}版新增。\n\n### 9.2 ", 1)
        for k, body in enumerate((text, text + f"\n<!-- amendment {n} -->\n")):
            path.write_text(body, encoding="utf-8")
            repo.index.add([str(path)])
            when = dt.datetime(2000 + n, 1, 1, 10 + k, tzinfo=TZ)
            repo.index.commit(
                f"{version} {'release' if not k else 'amendment'}",
                author=who,
                committer=who,
                author_date=when,
                commit_date=when,
            )
    repo.close()


def best(fn: Callable[[], object], repeat: int = 5, cold: bool = True) -> float:
    times = []
    for _ in range(repeat):
        if cold:
            releases_module._CACHE.clear()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(sizes: tuple[int, ...] = (1, 10, 50)) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            root = Path(tmp) / f"r{size}"
            make_history(root, size)
            policy_file = root / "policies" / "sales-policy.md"
            base = best(lambda: parse_policy_file(policy_file, root))
            last = f"{size}.0"
            figures = {
                "list_releases (cold)": best(lambda: list_releases(root, "SALES")),
                "list_releases (cached)": best(lambda: list_releases(root, "SALES"), cold=False),
                "policy_at(first release)": best(lambda: policy_at(root, "SALES", "1.0"), cold=False),
                "diff first -> last": best(lambda: diff_refs(root, "SALES", "1.0", last), cold=False),
                "clauses_at(date)": best(lambda: clauses_at(root, dt.date(2000 + size // 2, 6, 1)), cold=False),
            }
            diff = diff_refs(root, "SALES", "1.0", last)
            print(f"\n{size} release(s), {2 * size} commits; baseline parse_policy_file = {base * 1000:.1f} ms")
            for name, value in figures.items():
                print(f"  {name:<26} {value * 1000:8.1f} ms  = {value / base:6.1f}x baseline")
            print(
                f"  diff 1.0 -> {last}: {len(diff.added)} added, {len(diff.changed)} changed, "
                f"{len(diff.renumbered)} renumbered, {len(diff.removed)} removed"
            )
            results[size] = {"baseline_s": base, **{k: v for k, v in figures.items()}}
    return results


if __name__ == "__main__":
    main()
