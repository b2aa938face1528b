"""Problems as Sphinx warnings: one type (``policy``, the code as subtype), filtered by the
repository's ``suppress_warnings`` in ``policy check``, ``policy build`` and a plain
``sphinx-build``, a conf.py's own list kept by ``policy build``; and ``sphinx-build -j 2`` keeps
what the extension records while reading pages."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tooling.cli import cli
from tooling.site import build_site

from .test_history_releases import V2, build_sales_history, policy_md
from .test_history_stale import approve

CONF = """from pathlib import Path

from tooling.site import sphinx_config

globals().update(sphinx_config(Path(__file__).parent))
suppress_warnings = [*suppress_warnings, "myst.header"]
"""

NO_CLAUSES = """---
policy: NOTE
title: 说明
version: "1.0"
effective: 2026-01-01
owner: 行政部
language: zh
---

# 说明

本文件没有编号的条款。
"""

JUMP = "# 首页\n\n### 跳级的标题\n\n```{policy-index}\n```\n"


def _settings(root: Path, suppress: list[str]) -> None:
    (root / "pyproject.toml").write_text(
        f"[tool.policy]\nsuppress_warnings = {suppress!r}\n".replace("'", '"'), encoding="utf-8"
    )


def test_the_readme_example_hides_stale_faq_warnings_in_check(tmp_path: Path) -> None:
    """README: ``suppress_warnings = ["policy.PL405"]`` under [tool.policy]."""
    pr = build_sales_history(tmp_path / "repo", upto=2)
    root = pr.root
    faq = (
        "# 销售政策50问\n\n```{faq} 本政策由谁解释？\n:id: sales-faq-1\n:clauses: SALES 7\n:status: approved\n"
        f":reviewed-by: 张三\n:reviewed-on: 2025-01-05\n:clause-hashes: {approve(root, '2.0', ['7'])}\n\n"
        "由市场部负责解释。见{clause}`SALES 7`。\n```\n"
    )
    pr.commit({"faq/sales.md": faq}, "FAQ approved", day="2025-01-05")
    reworded = [*V2[:6], ("7", "附则", "本政策由销售运营部负责解释，自生效之日起施行。", None)]
    pr.commit({"policies/sales.md": policy_md("3.0", "2026-01-01", reworded)}, "发布3.0版", day="2025-12-01")
    shown = CliRunner().invoke(cli, ["check", "--root", str(root), "--strict"])
    assert "PL405" in shown.stderr and shown.exit_code == 1
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert 'suppress_warnings = ["policy.PL405"]' in readme
    _settings(root, ["policy.PL405"])
    hidden = CliRunner().invoke(cli, ["check", "--root", str(root), "--strict"])
    assert "PL405" not in hidden.stderr and hidden.exit_code == 0
    assert "1 hidden by suppress_warnings" in hidden.stderr


def _repo(make_repo) -> Path:
    root = make_repo({"policies/note.md": NO_CLAUSES, "index.md": JUMP, "conf.py": CONF})
    return root


def _sphinx(root: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", *args, str(root), str(out)], capture_output=True, text=True
    )


def test_a_plain_sphinx_build_filters_by_code(make_repo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    run = _sphinx(root, tmp_path / "a")
    assert run.returncode == 0, run.stderr
    assert "PL204" in run.stderr and "[policy.PL204]" in run.stderr  # type.subtype, as Sphinx shows it
    assert "myst.header" not in run.stderr  # the conf.py's own suppression
    _settings(root, ["policy.PL204"])
    run = _sphinx(root, tmp_path / "b", "-E")
    assert run.returncode == 0 and "PL204" not in run.stderr, run.stderr


def test_policy_build_prints_each_problem_once_and_keeps_the_conf_suppressions(
    make_repo, tmp_path: Path, capsys
) -> None:
    root = _repo(make_repo)
    assert build_site(root, tmp_path / "out") == 0
    err = capsys.readouterr().err
    assert err.count("PL204") == 1  # from the check, not again from Sphinx
    assert "myst.header" not in err and "Non-consecutive" not in err
    _settings(root, ["policy.PL204"])
    assert build_site(root, tmp_path / "out") == 0
    assert "PL204" not in capsys.readouterr().err


def test_parallel_reads_keep_the_version_lines(tmp_path: Path) -> None:
    root = build_sales_history(tmp_path / "repo", upto=2).root
    (root / "conf.py").write_text(CONF, encoding="utf-8")
    (root / "index.md").write_text("# 首页\n\n```{policy-index}\n```\n", encoding="utf-8")
    doctrees = tmp_path / "doctrees"
    run = _sphinx(root, tmp_path / "out", "-j", "2", "-d", str(doctrees))
    assert run.returncode == 0, run.stderr
    with (doctrees / "environment.pickle").open("rb") as fh:
        env = pickle.load(fh)
    lines = env.policy_version_lines
    assert "policies/sales" in lines and "2.0" in lines["policies/sales"]
