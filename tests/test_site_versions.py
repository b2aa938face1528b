"""Versions on the site, from real git repositories and real Sphinx builds: release pages with
banners, the canonical page's version line, history pages with Chinese redlines, versioned
citations, clauses-history.json, the release-page cache, and folders that are not git repos."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tooling.site import build_site
from tooling.sphinx_ext.release_build import LOG_FILE, PAGE_FILE, cache_root

BASEURL = "https://policies.example.com/"


def sales(version: str, effective: str, clauses: list[tuple[str, str, str]], extra: str = "") -> str:
    body = "\n".join(f"## {n} {title}\n\n{text}\n" for n, title, text in clauses)
    return (
        f'---\npolicy: SALES\ntitle: 产品销售政策\nversion: "{version}"\neffective: {effective}\n'
        f"owner: 市场部\nlanguage: zh\n---\n\n# 产品销售政策\n\n{body}{extra}"
    )


def travel(version: str, effective: str, clauses: list[tuple[str, str, str]]) -> str:
    body = "\n".join(f"### {n} {title}\n\n{text}\n" for n, title, text in clauses)
    return (
        f'---\npolicy: TRAVEL\ntitle: Travel Policy\nversion: "{version}"\neffective: {effective}\n'
        f"owner: Finance\nlanguage: en\n---\n\n# Travel Policy\n\n## 3. Per diem\n\n{body}"
    )


S1 = [
    ("1", "总则", "本政策适用于全体经销商。另见 {clause}`TRAVEL 3.1`。"),
    ("2", "季度返利", "季度返利按季度净回款的3%计提。"),
    ("3", "返利结算", "季度返利在季度结束后30日内结算。"),
]
S2 = [
    S1[0],
    ("2", "价格保护", "公司下调经销价时，对30天内提货的库存按差价补偿。"),
    ("3", *S1[1][1:]),
    ("4", "返利结算", "季度返利在季度结束后45日内结算。"),
]
S2_FIXED = [*S2[:3], ("4", "返利结算", "季度返利在季度结束后45日内结算，计入返利账户。")]
S3 = [*S2_FIXED[:3]]


def plain(clauses: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The same clauses without the citation of TRAVEL (for repositories without TRAVEL)."""
    return [("1", "总则", "本政策适用于全体经销商。"), *clauses[1:]]


T1 = [
    ("3.1", "City tiers", "Tier 1 cities are Beijing and Shanghai."),
    ("3.2", "Rates", "The daily allowance is 300 yuan in tier 1 cities."),
]
T2 = [T1[0]]

INDEX = """# 制度

版本引用：{clause}`SALES@1.0 2`；自定文字：{clause}`旧的价格保护 <SALES@2.0 2>`；现行：{clause}`SALES 2`。

```{policy-index}
```
"""


def git(root: Path, *args: str, date: str = "2020-01-01T09:00:00+08:00", author: str = "张三") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "a@example.com",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def commit(root: Path, files: dict[str, str], message: str, date: str, author: str = "张三") -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, date=date, author=author)


def build(root: Path, **kwargs) -> Path:
    out = root / "_build" / "html"
    assert build_site(root, out, quiet=True, **kwargs) == 0
    return out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, Path]:
    """SALES 1.0 -> 2.0 (insertion, text change) + amendment -> 3.0 (removal) -> 4.0 upcoming;
    TRAVEL 1.0 -> 2.0 (removal). Built once for the module."""
    root = tmp_path_factory.mktemp("versions") / "repo"
    root.mkdir()
    git(root, "init", "-q")
    commit(
        root,
        {
            "pyproject.toml": f'[tool.policy]\nproject = "制度"\nhtml_baseurl = "{BASEURL}"\n',
            "index.md": INDEX,
            "faq/.keep": "",
            "policies/sales-policy.md": sales("1.0", "2020-01-01", S1),
            "policies/travel-policy.md": travel("1.0", "2020-01-01", T1),
        },
        "发布1.0版",
        "2019-12-01T09:00:00+08:00",
    )
    commit(
        root,
        {"policies/sales-policy.md": sales("2.0", "2021-01-01", S2)},
        "发布2.0版：新增价格保护",
        "2020-12-01T09:00:00+08:00",
        author="李四",
    )
    commit(
        root,
        {"policies/sales-policy.md": sales("2.0", "2021-01-01", S2_FIXED)},
        "补充结算去向",
        "2020-12-15T09:00:00+08:00",
        author="王五",
    )
    commit(
        root,
        {"policies/travel-policy.md": travel("2.0", "2021-06-01", T2)},
        "Release 2.0: drop rates",
        "2021-05-01T09:00:00+08:00",
        author="Alice",
    )
    commit(
        root,
        {"policies/sales-policy.md": sales("3.0", "2022-01-01", S3)},
        "发布3.0版：删除返利结算",
        "2021-12-01T09:00:00+08:00",
    )
    commit(
        root, {"policies/sales-policy.md": sales("4.0", "2099-01-01", S3[:2])}, "4.0 草案", "2022-06-01T09:00:00+08:00"
    )
    return root, build(root)


def test_release_pages_have_banners_in_the_policy_language(site):
    root, out = site
    folder = out / "policies" / "sales-policy"
    assert sorted(p.name for p in folder.iterdir()) == [
        "history.html",
        "v1.0.html",
        "v2.0.html",
        "v3.0.html",
        "v4.0.html",
    ]
    banner = soup(folder / "v1.0.html").select_one(".policy-version-banner")
    assert banner.strong.get_text() == "第1.0版，施行期间 2020-01-01 至 2020-12-31，已被第2.0版取代"
    links = {a.get_text(): a["href"] for a in banner.select("a")}
    assert links == {"查看现行版本": "../sales-policy.html", "修订历史": "history.html"}
    assert (
        soup(folder / "v3.0.html").select_one(".policy-version-banner strong").get_text()
        == "第3.0版，自 2022-01-01 起施行，为现行版本"
    )
    upcoming = soup(folder / "v4.0.html").select_one(".policy-version-banner")
    assert upcoming.strong.get_text() == "第4.0版，将于 2099-01-01 起施行，尚未生效"
    assert "policy-version-upcoming" in upcoming["class"]
    english = soup(out / "policies" / "travel-policy" / "v1.0.html")
    assert english.html["lang"] == "en"
    assert (
        english.select_one(".policy-version-banner strong").get_text()
        == "Version 1.0, in force 2020-01-01 to 2021-05-31, superseded by 2.0"
    )


def test_canonical_page_shows_upcoming_version_and_links_the_one_in_force(site):
    _, out = site
    line = soup(out / "policies" / "sales-policy.html").select_one(".policy-version-line")
    assert line.get_text(" ", strip=True).startswith("第4.0版 · 将于 2099-01-01 起施行，尚未生效")
    links = {a.get_text(): a["href"] for a in line.select("a")}
    assert links == {"现行版本：第3.0版": "sales-policy/v3.0.html", "修订历史": "sales-policy/history.html"}
    travel_line = soup(out / "policies" / "travel-policy.html").select_one(".policy-version-line")
    assert (
        travel_line.get_text(" ", strip=True) == "Version 2.0 · in force since 2021-06-01 · current version · history"
    )


def test_old_release_keeps_its_text_anchors_and_versioned_copy_citation(site):
    _, out = site
    page = soup(out / "policies" / "sales-policy" / "v1.0.html")
    assert "季度返利按季度净回款的3%计提" in page.select_one("#sales-2").get_text()
    assert "30日内" in page.select_one("#sales-3").get_text()
    button = page.select_one("#sales-2 button.copy-citation")
    assert button["data-citation"] == "《产品销售政策》（第1.0版）第2条（季度返利）"
    assert button["data-key"] == "SALES@1.0 2"
    assert button["data-url"] == BASEURL + "policies/sales-policy/v1.0.html#sales-2"
    # a citation of another policy in the old text links to that policy's page on the main site
    assert page.select_one('a[href="../travel-policy.html#travel-3-1"]') is not None
    # a version means its final text: the amendment after the 2.0 release is in the 2.0 page
    assert "计入返利账户" in soup(out / "policies" / "sales-policy" / "v2.0.html").select_one("#sales-4").get_text()
    # the current page's buttons stay unversioned
    current = soup(out / "policies" / "sales-policy.html").select_one("#sales-2 button.copy-citation")
    assert current["data-citation"] == "《产品销售政策》第2条（价格保护）"


def test_history_page_lists_releases_with_clause_changes_and_chinese_redline(site):
    _, out = site
    page = soup(out / "policies" / "sales-policy" / "history.html")
    assert page.html["lang"] == "zh-CN"
    releases = page.select("section.policy-release")
    assert [r.h2.get_text(" ", strip=True) for r in releases] == [
        "第4.0版 尚未生效",
        "第3.0版 现行",
        "第2.0版 已被取代",
        "第1.0版 已被取代",
    ]
    v2 = releases[2]
    facts = v2.select_one("dl.release-facts").get_text(" ", strip=True)
    assert "2021-01-01 至 2021-12-31，已被第3.0版取代" in facts
    assert "李四" in facts and "发布2.0版：新增价格保护" in facts and "王五" in facts and "补充结算去向" in facts
    assert v2.select_one(".change-summary").get_text() == "新增 1 条，删除 0 条，修改 1 条，编号变更 2 条。"
    added = v2.select_one(".change-added").get_text(" ", strip=True)
    assert added.startswith("新增 第2条 价格保护")
    changed = v2.select_one(".change-changed")
    assert "（原第3条）" in changed.get_text()
    assert [d.get_text() for d in changed.select("del")] == ["30"]
    assert [i.get_text() for i in changed.select("ins")] == ["45", "，计入返利账户"]
    renumbered = [li.get_text(" ", strip=True) for li in v2.select(".change-renumbered")]
    assert renumbered[0] == "编号变更 第2条 → 第3条 季度返利（文字未变）"
    assert v2.select_one(".change-added a")["href"] == "v2.0.html#sales-2"
    v3 = releases[1]
    assert v3.select_one(".change-removed").get_text(" ", strip=True).startswith("删除 第4条 返利结算")
    assert releases[3].get_text(" ", strip=True).endswith("首次发布，共 3 条。")
    english = soup(out / "policies" / "travel-policy" / "history.html")
    assert english.h1.get_text() == "History of Travel Policy"
    assert english.select_one(".change-removed").get_text(" ", strip=True).startswith("Removed §3.2 Rates")


def test_versioned_citations_link_the_release_page_and_clauses_history_json(site):
    _, out = site
    links = {a.get_text(): a["href"] for a in soup(out / "index.html").select("a.clause-ref, a.reference")}
    assert links["《产品销售政策》（第1.0版）第2条（季度返利）"] == "policies/sales-policy/v1.0.html#sales-2"
    assert links["旧的价格保护"] == "policies/sales-policy/v2.0.html#sales-2"
    assert links["《产品销售政策》第2条（价格保护）"] == "policies/sales-policy.html#sales-2"
    records = json.loads((out / "clauses-history.json").read_text(encoding="utf-8"))
    by_key = {r["versioned_key"]: r for r in records}
    old = by_key["SALES@1.0 2"]
    assert (old["title"], old["status"], old["in_force_to"], old["superseded_by"]) == (
        "季度返利",
        "superseded",
        "2020-12-31",
        "2.0",
    )
    assert old["url"] == "policies/sales-policy/v1.0.html#sales-2"
    assert by_key["SALES@4.0 2"]["status"] == "upcoming"
    assert "TRAVEL@1.0 3.2" in by_key and "TRAVEL@2.0 3.2" not in by_key
    current = json.loads((out / "clauses.json").read_text(encoding="utf-8"))
    assert {r["version"] for r in current if r["policy"] == "SALES"} == {"4.0"}


def test_unknown_version_in_a_citation_is_reported_with_file_line_and_code(make_repo):
    root = make_repo(
        {
            "policies/sales-policy.md": sales("1.0", "2020-01-01", S1[1:]),
            "index.md": "# 制度\n\n见 {clause}`SALES@9.9 2`。\n\n```{policy-index}\n```\n",
        }
    )
    git(root, "init", "-q")
    commit(root, {}, "发布1.0版", "2019-12-01T09:00:00+08:00")
    run = subprocess.run(
        [sys.executable, "-m", "tooling", "build", "--root", str(root), "-W"], capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "index.md:3: error PL908 cannot resolve 'SALES@9.9 2'" in run.stderr
    assert run.stderr.count("PL908") == 1  # reported once, by the check, not again by Sphinx


def test_second_build_reuses_release_pages_and_a_new_release_rebuilds_only_what_changed(make_repo):
    root = make_repo({"policies/sales-policy.md": sales("1.0", "2020-01-01", plain(S1))})
    git(root, "init", "-q")
    commit(root, {}, "发布1.0版", "2019-12-01T09:00:00+08:00")
    commit(
        root,
        {"policies/sales-policy.md": sales("2.0", "2021-01-01", plain(S2))},
        "发布2.0版",
        "2020-12-01T09:00:00+08:00",
    )
    out = build(root)
    cache = cache_root(root)
    first = json.loads((cache / LOG_FILE).read_text())
    assert len(first["built"]) == 2 and first["cached"] == []
    stamps = {key: (cache / key / PAGE_FILE).stat().st_mtime_ns for key in first["built"]}

    build(root)
    second = json.loads((cache / LOG_FILE).read_text())
    assert second["built"] == [] and sorted(second["cached"]) == sorted(first["built"])
    assert {key: (cache / key / PAGE_FILE).stat().st_mtime_ns for key in first["built"]} == stamps
    assert (out / "policies" / "sales-policy" / "v1.0.html").is_file()

    # 3.0 supersedes 2.0: only 2.0 (its banner changes) and 3.0 are built; 1.0 comes from the cache
    commit(
        root,
        {"policies/sales-policy.md": sales("3.0", "2022-01-01", plain(S3))},
        "发布3.0版",
        "2021-12-01T09:00:00+08:00",
    )
    build(root)
    third = json.loads((cache / LOG_FILE).read_text())
    assert [k.split("-")[1] for k in sorted(third["built"])] == ["v2.0", "v3.0"]
    assert [k.split("-")[1] for k in third["cached"]] == ["v1.0"]
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == sorted(third["built"] + third["cached"])
    banner = soup(out / "policies" / "sales-policy" / "v2.0.html").select_one(".policy-version-banner strong")
    assert banner.get_text() == "第2.0版，施行期间 2021-01-01 至 2021-12-31，已被第3.0版取代"


def test_folder_that_is_not_a_git_repository_builds_without_history(make_repo):
    root = make_repo({"policies/sales-policy.md": sales("1.0", "2020-01-01", plain(S1))})
    with pytest.raises(subprocess.CalledProcessError):  # really not inside any git repository
        subprocess.run(["git", "rev-parse", "--git-dir"], cwd=root, check=True, capture_output=True)
    out = build(root, warnings_as_errors=True)
    assert (out / "policies" / "sales-policy.html").is_file()
    assert not (out / "policies" / "sales-policy").exists()
    assert not (out / "clauses-history.json").exists()
    assert soup(out / "policies" / "sales-policy.html").select_one(".policy-version-line") is None
