"""``policy init``: a new policy repository that builds at once, with nothing to guess.

Writes the files a team needs on day one — settings, a ``.gitignore`` that keeps the question
store, caches, raw exports and the pseudonym secret out of git, a starter policy in the chosen
language, the home page, and CI files that build the site with ``-W`` and publish it (GitHub
Pages, GitLab Pages) — plus a per-repository secret for asker pseudonyms. An existing file is
never overwritten: re-running ``init`` only adds what is missing, so it is safe on a repository
that already has some of these files.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from importlib import resources
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from string import Template
from typing import Literal

from pydantic import BaseModel, Field

from ..config import SECRET_FILE
from ..errors import Code, PolicyToolError, problem
from ..markdown import escape_text

Language = Literal["zh", "en"]


class InitReport(BaseModel):
    """What ``init`` did: files written, files that were already there (left alone)."""

    root: str
    created: list[str] = Field(default_factory=list)
    kept: list[str] = Field(default_factory=list)


def _template(name: str) -> Template:
    return Template((resources.files(__package__) / name).read_text(encoding="utf-8"))


def tooling_spec() -> str:
    """What CI should ``pip install``: the VCS URL this copy was installed from, when it was, else
    the package at least at this version (the CI files say to change it)."""
    try:
        dist = distribution("policy-tooling")
    except PackageNotFoundError:
        return "policy-tooling"
    direct = dist.read_text("direct_url.json")
    if direct:
        info = json.loads(direct)
        vcs = info.get("vcs_info")
        if vcs and info.get("url"):
            return f"policy-tooling @ {vcs.get('vcs', 'git')}+{info['url']}" + (
                f"@{vcs['commit_id']}" if vcs.get("commit_id") else ""
            )
    return f"policy-tooling>={dist.version}"


def init_repository(
    root: Path,
    language: Language = "zh",
    title: str | None = None,
    owner: str | None = None,
    today: dt.date | None = None,
) -> InitReport:
    """Scaffold a policy repository in ``root`` (created if missing); never overwrites a file."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise PolicyToolError(problem(Code.INIT_NOT_A_FOLDER, f"{root} exists and is not a folder", root, 1))
    zh = language == "zh"
    title = " ".join((title or ("公司制度与政策" if zh else "Company Policies")).split())
    owner = " ".join((owner or ("制度负责部门" if zh else "the policy owner")).split())
    values = {
        "title": escape_text(title),
        "project_toml": json.dumps(title, ensure_ascii=False),
        "language": language,
        "owner": escape_text(owner),
        "owner_yaml": json.dumps(owner, ensure_ascii=False),
        "today": (today or dt.date.today()).isoformat(),
        "tooling": tooling_spec().replace('"', ""),
    }
    files = {
        "pyproject.toml": "pyproject.toml.in",
        ".gitignore": "gitignore",
        "index.md": f"index-{language}.md",
        "policies/example-policy.md": f"policy-{language}.md",
        ".github/workflows/policy-site.yml": "github-pages.yml",
        ".gitlab-ci.yml": "gitlab-ci.yml",
    }
    report = InitReport(root=str(root))
    for rel, name in files.items():
        _write_new(root / rel, _template(name).substitute(values), rel, report)
    for folder in ("faq", "inbox"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    _write_new(root / "faq" / ".gitkeep", "", "faq/.gitkeep", report)
    _write_new(root / SECRET_FILE, secrets.token_hex(32) + "\n", SECRET_FILE, report, mode=0o600)
    return report


def _write_new(path: Path, text: str, rel: str, report: InitReport, mode: int | None = None) -> None:
    if path.exists() or path.is_symlink():
        report.kept.append(rel)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as fh:  # "x": never clobber a file created meanwhile
        fh.write(text)
    if mode is not None:
        path.chmod(mode)
    report.created.append(rel)
