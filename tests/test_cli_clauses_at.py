"""`policy clauses --at DATE` lists the clauses in force on that date, from a real git history."""

import json
import subprocess
import sys

import git

from tests.test_clauses import FM


def test_clauses_at_date_follows_releases(make_repo):
    v1 = (
        FM.format(pid="SALES", title="销售政策", extra="").replace("2026-01-01", "2025-01-01")
        + "# 销售政策\n\n## 1 总则\n\n旧文本。\n"
    )
    root = make_repo({"policies/sales.md": v1})
    repo = git.Repo.init(root)
    repo.index.add(["policies/sales.md"])
    repo.index.commit("SALES 1.0")
    v2 = v1.replace('"1.0"', '"2.0"').replace("2025-01-01", "2026-01-01") + "\n## 2 返利\n\n新条款。\n"
    (root / "policies" / "sales.md").write_text(v2, encoding="utf-8")
    repo.index.add(["policies/sales.md"])
    repo.index.commit("SALES 2.0")

    def at(day):
        out = subprocess.run(
            [sys.executable, "-m", "tooling", "clauses", "--json", "--at", day, "--root", str(root)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [(r["key"], r["version"]) for r in json.loads(out)]

    assert at("2025-06-01") == [("SALES 1", "1.0")]
    assert at("2026-06-01") == [("SALES 1", "2.0"), ("SALES 2", "2.0")]
    assert at("2024-06-01") == []


def test_check_resolves_versioned_citations_against_history(make_repo):
    v1 = (
        FM.format(pid="SALES", title="销售政策", extra="")
        + "# 销售政策\n\n## 1 总则\n\n文本。\n\n## 3 旧条款\n\n旧。\n"
    )
    root = make_repo({"policies/sales.md": v1})
    repo = git.Repo.init(root)
    repo.index.add(["policies/sales.md"])
    repo.index.commit("SALES 1.0")
    v2 = (
        v1.replace('"1.0"', '"2.0"').replace("## 3 旧条款\n\n旧。\n", "")
        + "\n## 2 引用\n\n见 {clause}`SALES@1.0 3` 与 {clause}`SALES@1.0 9`。\n"
    )
    (root / "policies" / "sales.md").write_text(v2, encoding="utf-8")
    repo.index.add(["policies/sales.md"])
    repo.index.commit("SALES 2.0")
    check = subprocess.run(
        [sys.executable, "-m", "tooling", "check", "--root", str(root)], capture_output=True, text=True
    )
    assert check.returncode == 1
    errors = [line for line in check.stderr.splitlines() if " error " in line]
    line = v2.splitlines().index("见 {clause}`SALES@1.0 3` 与 {clause}`SALES@1.0 9`。") + 1
    assert len(errors) == 1 and "SALES@1.0 9" in errors[0] and f"sales.md:{line}: error PL908" in errors[0]


def test_a_release_cited_many_times_is_read_from_git_once(make_repo, monkeypatch):
    import tooling.history.impact as impact
    from tooling.catalog import Catalog

    v1 = (
        FM.format(pid="SALES", title="销售政策", extra="")
        + "# 销售政策\n\n## 1 总则\n\n文本。\n\n## 3 旧条款\n\n旧。\n"
    )
    root = make_repo({"policies/sales.md": v1})
    repo = git.Repo.init(root)
    repo.index.add(["policies/sales.md"])
    repo.index.commit("SALES 1.0")
    cites = "".join(f"\n见 {{clause}}`SALES@1.0 {n}`。\n" for n in (1, 3, 1, 3))
    (root / "policies" / "sales.md").write_text(v1.replace('"1.0"', '"2.0"') + cites, encoding="utf-8")
    repo.index.add(["policies/sales.md"])
    repo.index.commit("SALES 2.0")
    reads = []
    real = impact.policy_at
    monkeypatch.setattr(impact, "policy_at", lambda *a, **k: reads.append(a[1:3]) or real(*a, **k))
    catalog = Catalog.load(root)
    assert catalog.check_citations() == []
    assert reads == [("SALES", "1.0")]
    assert catalog.resolve("SALES@1.0 3", "x.md", 1).title == "旧条款" and len(reads) == 1
