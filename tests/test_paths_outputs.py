"""Where commands write (PL602), ``--root`` that does not exist (PL605) and the parse cache's key:
the real ``policy`` command (click's CliRunner or a subprocess) on repositories in temp folders."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import click
import git
import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from tests.test_clauses import REGULATION
from tests.test_site import SALES, TRAVEL
from tooling.cli import LAZY_COMMANDS, cli
from tooling.paths import replacing

EXAMPLE_CSV = ROOT / "examples" / "questions" / "form-2026q1.csv"
DRAFT_PAGE = (
    "# 2026年度产品销售政策50问\n\n```{faq} 返利什么时候结算？\n:id: sales-001\n:clauses: SALES 4.2\n"
    ":status: draft\n\n季度结束后次月25日前核算，见 {clause}`SALES 4.2`。\n```\n"
)


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def repo(make_repo) -> Path:
    """A committed policy repository with a question store and every kind of protected file."""
    root = make_repo(
        {
            "policies/sales-policy.md": SALES,
            "policies/rebate-rules.md": REGULATION,
            "policies/travel-policy.md": TRAVEL,
            "index.md": "# 制度\n\n```{policy-index}\n```\n",
            "pyproject.toml": '[tool.policy]\nproject = "制度"\n',
            "faq/labels.jsonl": '{"text": "返利", "answer": "SALES 4.2", "by": "a", "on": "2026-01-01"}\n',
            ".gitignore": "questions.db*\n.policy-cache/\n_build/\n",
        }
    )
    shutil.copy(ROOT / "conf.py", root / "conf.py")
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Policy Bot")
        cw.set_value("user", "email", "bot@example.com")
    repo.git.add(A=True)
    repo.index.commit("policies")
    result = run("questions", "ingest", "--root", str(root), str(EXAMPLE_CSV))
    assert result.exit_code == 0, result.output
    return root


def stored(root: Path) -> int:
    return json.loads(run("questions", "stats", "--root", str(root), "--json").stdout)["total"]


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git/" not in p.as_posix() and ".policy-cache" not in p.parts
    }


PROTECTED = [
    "questions.db",
    "questions.db-wal",
    "policies/sales-policy.md",
    "policies/new.md",
    "faq/labels.jsonl",
    "faq/sales-policy.md",
    "index.md",
    "pyproject.toml",
    "conf.py",
    ".git/config",
    "_templates/page.html",
]


@pytest.mark.parametrize("target", PROTECTED)
def test_export_never_overwrites_the_store_or_a_source(repo: Path, target: str, monkeypatch):
    before, files = stored(repo), snapshot(repo)
    assert before > 40
    monkeypatch.chdir(repo)  # --out questions.db, relative, as the tester typed it
    result = run("questions", "export", "--root", str(repo), "--out", target)
    assert result.exit_code == 1, result.output
    assert f"{target}:1: error PL602 refusing to write here: {target} " in result.stderr
    assert "hint: write the output outside policies/" in result.stderr
    assert stored(repo) == before and snapshot(repo) == files


def test_propose_refuses_to_write_its_description_over_a_policy_before_making_a_branch(repo: Path):
    (repo / "faq" / "sales-policy.md").write_text(DRAFT_PAGE, encoding="utf-8")
    policy_text = (repo / "policies" / "sales-policy.md").read_bytes()
    result = run("faq", "propose", "--policy", "SALES", "--root", str(repo), "--out", str(repo / "policies" / "x.md"))
    assert (
        result.exit_code == 1 and "PL602" in result.stderr and "is inside policies/ of the repository" in result.stderr
    )
    assert not (repo / "policies" / "x.md").exists()
    assert (repo / "policies" / "sales-policy.md").read_bytes() == policy_text
    assert [h.name for h in git.Repo(repo).heads] == ["main"]  # refused before the branch was made
    overwrite = run(
        "faq", "propose", "--policy", "SALES", "--root", str(repo), "--out", str(repo / "policies" / "sales-policy.md")
    )
    assert overwrite.exit_code == 1 and (repo / "policies" / "sales-policy.md").read_bytes() == policy_text
    good = repo.parent / "pr.md"
    ok = run("faq", "propose", "--policy", "SALES", "--root", str(repo), "--out", str(good))
    assert ok.exit_code == 0, ok.output
    assert "sales-001" in good.read_text(encoding="utf-8")
    assert [p.name for p in good.parent.iterdir() if p.name.startswith(".pr.md")] == []  # no temp file left


def test_booklet_refuses_an_output_over_a_source(repo: Path):
    (repo / "faq" / "sales-policy.md").write_text(DRAFT_PAGE, encoding="utf-8")
    result = run("booklet", "SALES", "--root", str(repo), "--out", str(repo / "policies" / "sales-policy.md"))
    assert result.exit_code == 1 and "PL602" in result.stderr
    assert (repo / "policies" / "sales-policy.md").read_text(encoding="utf-8") == SALES


def test_export_file_appears_whole_and_replaces_an_older_one(repo: Path, tmp_path: Path):
    out = tmp_path / "exports" / "questions.jsonl"
    out.parent.mkdir()
    out.write_text("old\n", encoding="utf-8")
    result = run("questions", "export", "--root", str(repo), "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == stored(repo) and all(json.loads(line)["id"] for line in lines)
    assert sorted(p.name for p in out.parent.iterdir()) == ["questions.jsonl"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path):
    target = tmp_path / "report.md"
    target.write_text("the old report\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), replacing(target) as tmp:
        tmp.write_text("half a new rep", encoding="utf-8")
        raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "the old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


# --- --root ---------------------------------------------------------------------------------


def _commands_with_root() -> list[list[str]]:
    """Every command (and sub-command) that takes --root, found by walking the CLI itself."""
    found: list[list[str]] = []

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), [*path, name])
        elif any(p.name == "root" for p in command.params):
            found.append(path)

    walk(cli, [])
    return found


def test_the_walk_finds_every_command():
    found = {path[0] for path in _commands_with_root()}
    # `policy init FOLDER` is the one command whose folder need not exist: it makes it
    assert found == set(LAZY_COMMANDS) - {"init"} and len(_commands_with_root()) >= 15


@pytest.mark.parametrize("command", _commands_with_root(), ids=" ".join)
def test_a_root_that_does_not_exist_is_one_clear_error_and_is_not_created(command: list[str], tmp_path: Path):
    missing = tmp_path / "no-such-repo"
    result = run(*command, "--root", str(missing))  # checked before the command's own arguments
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"{missing}:1: error PL605 no such folder: the policy repository does not exist — hint: "
        "check the path: --root DIR (or $POLICY_ROOT) names an existing policy repository, "
        "the folder that holds policies/ and faq/\n"
    )
    assert not missing.exists()


def test_policy_root_from_the_environment_and_a_file_are_checked_the_same_way(tmp_path: Path):
    missing = tmp_path / "gone"
    result = CliRunner().invoke(cli, ["check"], env={"POLICY_ROOT": str(missing)})
    assert result.exit_code == 1 and "error PL605 no such folder" in result.stderr and "0 error(s)" not in result.stderr
    (tmp_path / "file").write_text("x")
    result = run("questions", "ingest", "--root", str(tmp_path / "file"), str(EXAMPLE_CSV))
    assert result.exit_code == 1 and "error PL605 is a file, not a policy repository folder" in result.stderr


# --- the parse cache ------------------------------------------------------------------------


def test_an_edit_that_keeps_size_and_mtime_is_seen(make_repo):
    root = make_repo({"policies/travel-policy.md": TRAVEL})
    path = root / "policies" / "travel-policy.md"
    first = json.loads(run("clauses", "--json", "--root", str(root)).stdout)
    assert any("Beijing" in c["text"] for c in first)
    stat = path.stat()
    path.write_text(TRAVEL.replace("Beijing", "Chengdu"), encoding="utf-8")  # same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    second = json.loads(run("clauses", "--json", "--root", str(root)).stdout)
    assert any("Chengdu" in c["text"] for c in second) and not any("Beijing" in c["text"] for c in second)


def test_drafting_into_a_linked_faq_page_refuses_instead_of_copying_the_target_in(repo: Path, tmp_path: Path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text("# someone else's notes\n\nTOPSECRET-7f3a\n", encoding="utf-8")
    page = repo / "faq" / "sales-policy.md"
    page.symlink_to(outside)
    result = run("faq", "draft", "--policy", "SALES", "--root", str(repo))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{page}:1: error PL111 is a symbolic link to {outside}, outside the repository" in result.stderr
    assert page.is_symlink() and outside.read_text(encoding="utf-8").endswith("TOPSECRET-7f3a\n")
