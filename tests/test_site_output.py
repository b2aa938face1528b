"""Where ``policy build`` writes, and what a failed or interrupted build leaves: real ``policy build``
processes and real Sphinx builds on repositories in temp folders."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_clauses import FM, REGULATION
from tests.test_site import SALES, TRAVEL


def policy(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tooling", *args], capture_output=True, text=True, cwd=cwd)


def state(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` with its bytes and modification time."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def repo(make_repo) -> Path:
    extra = {
        f"policies/p{i:02d}.md": FM.format(pid=f"P{i:02d}", title=f"Policy {i}", extra="language: en\n")
        + f"# Policy {i}\n\n## 1 Scope\n\n### 1.1 Who\n\nEveryone, see {{clause}}`TRAVEL 3.1`.\n"
        for i in range(12)
    }
    return make_repo(
        {
            "policies/sales-policy.md": SALES,
            "policies/rebate-rules.md": REGULATION,
            "policies/travel-policy.md": TRAVEL,
            "index.md": "# 制度\n\n```{policy-index}\n```\n",
            "pyproject.toml": '[tool.policy]\nproject = "制度"\n',
            **extra,
        }
    )


DANGEROUS = {
    "/": "is the root of the file system",
    ".": "is the repository itself",
    "..": "contains the repository",
    "policies": "is inside policies/ of the repository",
    "policies/site": "is inside policies/ of the repository",
    "faq": "is inside faq/ of the repository",
    "_templates/x": "is inside _templates/ of the repository",
    ".policy-cache/site": "is inside .policy-cache/ of the repository",
    "pyproject.toml": "is a file",
}


@pytest.mark.parametrize("out", DANGEROUS)
def test_build_refuses_dangerous_output_folders(repo: Path, out: str):
    before = state(repo.parent)
    run = policy("build", "--root", str(repo), "--out", out, cwd=repo)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert f"{out}:1: error PL603 refusing to build the site into {out}: it {DANGEROUS[out]} — hint: " in run.stderr
    assert state(repo.parent) == before  # nothing written, not even the check's cache


def test_build_refuses_to_replace_a_folder_that_is_not_a_site(repo: Path, tmp_path: Path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me", encoding="utf-8")
    run = policy("build", "--root", str(repo), "--out", str(notes))
    assert run.returncode == 1 and "PL604" in run.stderr and "holds no site built before" in run.stderr
    assert [p.name for p in notes.iterdir()] == ["todo.txt"]
    assert policy("build", "--root", str(repo), "--out", str(tmp_path / "new" / "site")).returncode == 0
    again = policy("build", "--root", str(repo), "--out", str(tmp_path / "new" / "site"))  # a site: replaced
    assert again.returncode == 0, again.stderr


def test_a_build_with_errors_leaves_the_previous_site_as_it_was(repo: Path):
    out = repo / "_build" / "html"
    assert policy("build", "--root", str(repo)).returncode == 0
    good = state(out)
    travel = repo / "policies" / "travel-policy.md"
    travel.write_text(travel.read_text(encoding="utf-8") + "\nSee {clause}`TRAVEL 9.9`.\n", encoding="utf-8")
    run = policy("build", "--root", str(repo))
    assert run.returncode == 1 and "PL301" in run.stderr and "build succeeded" not in run.stdout
    assert f"{out}:1: error PL606 the site was not updated (1 error(s) reported above)" in run.stderr
    assert state(out) == good
    # an error only Sphinx sees (-W: a warning is an error) keeps the old site too
    travel.write_text(TRAVEL, encoding="utf-8")
    (repo / "index.md").write_text(
        "# 制度\n\n```{toctree}\nno-such-page\n```\n\n```{policy-index}\n```\n", encoding="utf-8"
    )
    strict = policy("build", "--root", str(repo), "-W")
    assert strict.returncode == 1 and "no-such-page" in strict.stderr and "PL606" in strict.stderr
    assert state(out) == good
    assert sorted(p.name for p in out.parent.iterdir()) == ["html"]  # no staging folder left
    # fixed: the next build replaces the site, and rewrites the pages the failed build had read
    (repo / "index.md").write_text("# 新首页\n\n```{policy-index}\n```\n", encoding="utf-8")
    assert policy("build", "--root", str(repo), "-W").returncode == 0
    assert "新首页" in (out / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.parent.iterdir()) == ["html"]


def test_ctrl_c_during_a_build_leaves_the_previous_site_and_no_folder_behind(repo: Path):
    out = repo / "_build" / "html"
    assert policy("build", "--root", str(repo)).returncode == 0
    good = state(out)
    for path in (repo / "policies").glob("p*.md"):  # every page changes: a long build to interrupt
        path.write_text(path.read_text(encoding="utf-8").replace("Everyone", "Every employee"), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tooling", "build", "--root", str(repo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    staging = out.parent / f".html.building-{proc.pid}"
    while not staging.is_dir() and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, "the build ended before its staging folder was seen"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted: the site was not updated" in stderr and "Traceback" not in stderr
    assert state(out) == good
    assert sorted(p.name for p in out.parent.iterdir()) == ["html"]
    assert policy("build", "--root", str(repo)).returncode == 0
    assert "Every employee" in (out / "policies" / "p00.html").read_text(encoding="utf-8")


def test_rebuilds_stay_incremental_and_nothing_is_kept_next_to_the_site(repo: Path):
    out = repo / "_build" / "html"
    legacy = repo / "_build" / ".doctrees-html"  # where earlier versions kept Sphinx's environment
    legacy.mkdir(parents=True)
    (legacy / "environment.pickle").write_bytes(b"old")
    first = policy("build", "--root", str(repo))
    assert first.returncode == 0 and f"The site is in {out} (open" in first.stdout
    assert "The HTML pages are in" not in first.stdout  # Sphinx's own line would name the staging folder
    assert sorted(p.name for p in out.parent.iterdir()) == ["html"]
    assert list((repo / ".policy-cache" / "doctrees").glob("html-*/environment.pickle"))
    pages = {k: v for k, v in state(out).items() if k.startswith("policies/")}
    again = policy("build", "-v", "--root", str(repo))
    assert again.returncode == 0 and "0 added, 0 changed, 0 removed" in again.stdout
    assert {k: v for k, v in state(out).items() if k.startswith("policies/")} == pages  # nothing rewritten
    travel = repo / "policies" / "travel-policy.md"
    travel.write_text(travel.read_text(encoding="utf-8").replace("Tier 1", "Tier one"), encoding="utf-8")
    assert policy("build", "--root", str(repo)).returncode == 0
    after = state(out)
    assert after["policies/travel-policy.html"] != pages["policies/travel-policy.html"]
    assert after["policies/sales-policy.html"] == pages["policies/sales-policy.html"]


def test_a_build_prints_a_short_summary_and_sphinx_log_only_with_v(repo: Path):
    """Quiet by default: the counts and where the site is, no colour codes when not on a terminal,
    no MdParserConfig dump; ``-v`` shows Sphinx's log (still without colour codes in a pipe)."""
    out = repo / "_build" / "html"
    quiet = policy("build", "--root", str(repo))
    assert quiet.returncode == 0, quiet.stderr
    lines = quiet.stdout.splitlines()
    assert len(lines) == 2, quiet.stdout
    assert lines[0].startswith("Built ") and "Built 16 pages: 15 policies, " in lines[0] and "0 warnings" in lines[0]
    assert f"The site is in {out} (open {out / 'index.html'}" in lines[1]
    assert "\x1b[" not in quiet.stdout + quiet.stderr and "MdParserConfig" not in quiet.stdout + quiet.stderr
    loud = policy("build", "-v", "--root", str(repo))
    assert loud.returncode == 0 and "build succeeded" in loud.stdout, loud.stdout
    assert "\x1b[" not in loud.stdout + loud.stderr and loud.stdout.rstrip().endswith("index.html).")
