"""``policy init``: a new repository that checks and builds at once, keeps what must not be
committed out of git, never overwrites a file, escapes what it is given, and keys asker
pseudonyms with its own secret."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tooling.config import SECRET_FILE, load_settings, uses_builtin_asker_key
from tooling.errors import Code, PolicyToolError
from tooling.scaffold import init_repository

POLICY = [sys.executable, "-m", "tooling"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*POLICY, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(cwd),
            "POLICY_MATCHING_SEMANTIC": "off",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        },
    )


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_new_zh_repository_checks_builds_and_ignores_private_files(tmp_path: Path) -> None:
    repo = tmp_path / "marketing"
    done = run("init", str(repo), "--title", "市场部制度", "--owner", "市场部", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "created  policies/example-policy.md" in done.stdout and "policy build" in done.stdout
    assert run("check", "--root", str(repo), cwd=tmp_path).returncode == 0
    # what a team's first `git add -A` commits: the sources and CI, never secrets, stores or caches
    (repo / "inbox" / "wecom-export.csv").write_text(
        "时间,内容\n2026-11-01 10:00,返利什么时候到账？ 13912345678\n", encoding="utf-8"
    )
    ingest = run("questions", "ingest", "--root", str(repo), str(repo / "inbox"), cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    assert "PL610" not in ingest.stderr  # this repository has its own pseudonym key
    build = run("build", "-W", "--root", str(repo), cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    tracked = set(git("diff", "--cached", "--name-only", cwd=repo).split())
    assert tracked == {
        ".github/workflows/policy-site.yml",
        ".gitignore",
        ".gitlab-ci.yml",
        "faq/.gitkeep",
        "index.md",
        "policies/example-policy.md",
        "pyproject.toml",
    }
    ignored = git("status", "--porcelain", "--ignored", cwd=repo)
    for private in (SECRET_FILE, "questions.db", "inbox/", ".policy-cache/", "_build/"):
        assert f"!! {private}" in ignored, ignored
    settings = load_settings(repo)
    assert settings.project == "市场部制度" and settings.language == "zh"
    assert not uses_builtin_asker_key(settings) and len(settings.asker_key) == 64
    assert (repo / SECRET_FILE).stat().st_mode & 0o077 == 0
    home = (repo / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    assert "市场部制度" in home and "示例制度" in home


def test_rerun_keeps_every_file_byte_for_byte(tmp_path: Path) -> None:
    first = init_repository(tmp_path / "r", "en")
    (tmp_path / "r" / "index.md").write_text("# Our own home page\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in (tmp_path / "r").rglob("*") if p.is_file()}
    again = init_repository(tmp_path / "r", "zh", title="Other")
    assert again.created == [] and sorted(again.kept) == sorted(first.created)
    assert {p: p.read_bytes() for p in (tmp_path / "r").rglob("*") if p.is_file()} == before


def test_titles_and_owners_are_data_not_markup(tmp_path: Path) -> None:
    title = 'Sales <script>alert(1)</script> "Q1" [x](javascript:alert(2))'
    owner = 'Finance: "EMEA" # team'
    repo = tmp_path / "r"
    init_repository(repo, "en", title=title, owner=owner)
    assert tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["policy"]["project"] == title
    assert run("check", "--root", str(repo), cwd=tmp_path).returncode == 0
    from tooling.catalog import Catalog

    assert Catalog.load(repo).policy("EXAMPLE").meta.owner == owner
    from tooling.markdown import inline_text, parse

    heading = parse((repo / "index.md").read_text(encoding="utf-8"))[1]
    assert inline_text(heading) == title  # shown as written
    assert not [t for t in heading.children if t.type in ("html_inline", "link_open")]  # text, not markup


def test_ci_files_build_with_warnings_as_errors_and_publish(tmp_path: Path) -> None:
    init_repository(tmp_path, "zh")
    github = yaml.safe_load((tmp_path / ".github" / "workflows" / "policy-site.yml").read_text(encoding="utf-8"))
    steps = github["jobs"]["build"]["steps"]
    assert any(s.get("run") == "policy build -W --out _build/html" for s in steps)
    assert any(s.get("with", {}).get("fetch-depth") == 0 for s in steps)  # releases come from git history
    assert github["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert github["env"]["POLICY_TOOLING"].startswith("policy-tooling")
    gitlab = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert "policy build -W --out public" in gitlab["pages"]["script"]
    assert gitlab["pages"]["artifacts"]["paths"] == ["public"]
    assert gitlab["variables"]["GIT_DEPTH"] == 0


def test_builtin_key_warns_once_per_ingest(tmp_path: Path, make_repo) -> None:
    repo = make_repo({"q.txt": "返利什么时候到账？\n差旅补贴怎么算？\n"})
    done = run("questions", "ingest", "--root", str(repo), str(repo / "q.txt"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("PL610") == 1 and ".policy-secret" in done.stderr


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(PolicyToolError) as err:
        init_repository(target)
    assert err.value.problems[0].code == Code.INIT_NOT_A_FOLDER
    assert target.read_text(encoding="utf-8") == "x"
