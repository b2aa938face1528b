"""Source files that resolve outside the repository (PL111) and names the site cannot publish
(PL112): real git repositories with real symbolic links, the real ``policy`` command, real Sphinx
builds (``policy build`` and a plain ``sphinx-build`` with this repository's conf.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_clauses import FM, REGULATION
from tests.test_site import SALES, TRAVEL
from tooling.catalog import Catalog, site_pages, source_digest
from tooling.config import load_settings
from tooling.faqpage import faq_paths
from tooling.paths import list_sources, unpublishable

SECRET = "TOPSECRET-7f3a"
OUTSIDE_POLICY = FM.format(pid="LEAK", title="Leaked", extra="language: en\n") + f"# Leaked\n\n## 1 A\n\n{SECRET}\n"
FAQ_PAGE = "# FAQ\n\n```{faq} A question?\n:id: sales-001\n:clauses: SALES 4.2\n:status: draft\n\nAn answer.\n```\n"


def policy(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tooling", *args], capture_output=True, text=True, cwd=cwd, errors="replace"
    )


def git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.com",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def tree_text(folder: Path) -> str:
    """Every byte of every file under ``folder`` (HTML, JSON, JS, pickles), as text."""
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def linked_repo(make_repo, tmp_path: Path) -> Path:
    """A committed repository whose sources include links out of it, a dangling link and links
    into its hidden folders, next to good pages."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.md").write_text(OUTSIDE_POLICY, encoding="utf-8")
    (outside / "folder" / "inner.md").write_text(OUTSIDE_POLICY.replace("LEAK", "INNER"), encoding="utf-8")
    (outside / "layout.html").write_text(f"{SECRET} {{{{ body }}}}", encoding="utf-8")
    root = make_repo(
        {
            "policies/sales-policy.md": SALES,
            "policies/travel-policy.md": TRAVEL,
            "faq/sales-policy.md": FAQ_PAGE,
            "index.md": "# 制度\n\n```{policy-index}\n```\n",
            "pyproject.toml": '[tool.policy]\nproject = "制度"\n',
        }
    )
    shutil.copy(ROOT / "conf.py", root / "conf.py")
    (root / "_templates").mkdir()
    links = {
        "faq/passwd.md": "/etc/passwd",
        "policies/leak.md": str(outside / "secret.md"),
        "policies/dangling.md": str(outside / "missing.md"),
        "policies/shared": str(outside / "folder"),
        "_templates/layout.html": str(outside / "layout.html"),
        "faq/git.md": "../.git/config",
    }
    for rel, target in links.items():
        (root / rel).symlink_to(target)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "policies, and links someone committed")
    return root


BAD_LINKS = [
    "faq/passwd.md",
    "policies/leak.md",
    "policies/dangling.md",
    "policies/shared",
    "_templates/layout.html",
    "faq/git.md",
]


def test_links_out_of_the_repository_are_errors_naming_the_file_and_no_command_crashes(linked_repo: Path):
    check = policy("check", "--root", str(linked_repo))
    assert check.returncode == 1 and "Traceback" not in check.stderr
    for rel in BAD_LINKS:
        assert f"{linked_repo / rel}:1: error PL111 is a symbolic link to " in check.stderr, rel
    assert "/etc/passwd, outside the repository" in check.stderr
    assert "missing.md, which does not exist" in check.stderr
    assert "in the repository's hidden '.git'" in check.stderr
    assert "root:x:0" not in check.stderr and SECRET not in check.stderr

    clauses = policy("clauses", "--json", "--root", str(linked_repo))
    assert clauses.returncode == 0 and "Traceback" not in clauses.stderr
    assert {c["policy"] for c in json.loads(clauses.stdout)} == {"SALES", "TRAVEL"}  # never LEAK or INNER

    build = policy("build", "--root", str(linked_repo))
    assert build.returncode == 1 and "Traceback" not in build.stderr and "PL111" in build.stderr
    assert not (linked_repo / "_build" / "html").exists()


def test_plain_sphinx_build_with_the_repository_conf_never_reads_files_outside(linked_repo: Path, tmp_path: Path):
    out = tmp_path / "plain-site"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(linked_repo), str(out)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "PL111" in run.stderr  # the extension says why the files are missing
    published = tree_text(out)  # pages, clauses.json, search index, and Sphinx's own doctrees
    assert SECRET not in published and "root:x:0" not in published and "[core]" not in published
    assert (out / "policies" / "sales-policy.html").is_file() and (out / "faq" / "sales-policy.html").is_file()
    assert not (out / "policies" / "leak.html").exists() and not (out / "policies" / "shared").exists()


def test_a_linked_home_page_stops_both_builds_with_the_reason(linked_repo: Path, tmp_path: Path):
    (linked_repo / "index.md").unlink()
    (linked_repo / "index.md").symlink_to(linked_repo.parent / "outside" / "secret.md")
    check = policy("check", "--root", str(linked_repo))
    assert f"{linked_repo / 'index.md'}:1: error PL111 is a symbolic link to" in check.stderr
    build = policy("build", "--root", str(linked_repo))
    assert build.returncode == 1 and "Traceback" not in build.stderr
    out = tmp_path / "plain-site"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(linked_repo), str(out)], capture_output=True, text=True
    )
    assert run.returncode == 2 and f"{linked_repo / 'index.md'}:1: error PL111" in run.stderr
    assert not out.exists() or SECRET not in tree_text(out)


def test_every_lister_of_source_files_leaves_the_unsafe_ones_out(linked_repo: Path):
    settings = load_settings(linked_repo)
    catalog = Catalog.load(linked_repo)
    listed = [
        *site_pages(linked_repo, settings),
        *faq_paths(linked_repo, catalog),
        *list_sources(linked_repo, settings).files,
    ]
    names = {p.relative_to(linked_repo).as_posix() for p in listed}
    assert not names & set(BAD_LINKS) and not any(n.startswith("policies/shared") for n in names)
    assert {"policies/sales-policy.md", "faq/sales-policy.md"} <= names
    before = source_digest(linked_repo, settings)
    (linked_repo.parent / "outside" / "secret.md").write_text("changed", encoding="utf-8")
    assert source_digest(linked_repo, settings) == before  # the outside file is not even hashed


def test_links_inside_the_repository_keep_working_under_their_own_name(make_repo):
    root = make_repo(
        {"shared/travel.md": TRAVEL, "policies/sales-policy.md": SALES, "policies/rebate-rules.md": REGULATION}
    )
    (root / "policies" / "travel-policy.md").symlink_to("../shared/travel.md")
    (root / "policies" / "more").symlink_to("../shared")  # a linked folder inside the repository
    (root / "policies" / "sub").mkdir()
    (root / "policies" / "sub" / "up").symlink_to("..")  # a loop (os.walk would go round forever)
    check = policy("check", "--root", str(root))
    assert check.returncode == 1 and "Traceback" not in check.stderr
    # the linked folder holds the TRAVEL policy a second time: a plain duplicate, not a link error
    assert "PL106 policy id TRAVEL is also used by" in check.stderr
    assert [line.split(" — ")[0] for line in check.stderr.splitlines() if "PL111" in line] == [
        f"{root / 'policies/sub/up'}:1: error PL111 is a symbolic link to a folder that contains it (a loop)"
    ]
    (root / "policies" / "more").unlink()
    (root / "policies" / "sub" / "up").unlink()
    (root / "policies" / ".#sales-policy.md").symlink_to("someone@host.1234:1700000000")  # Emacs is editing
    assert policy("check", "--root", str(root)).returncode == 0
    travel = Catalog.load(root).policy("TRAVEL")
    assert travel.doc == "policies/travel-policy"  # the link's name, not its target's
    build = policy("build", "--root", str(root))
    assert build.returncode == 0, build.stderr
    html = (root / "_build" / "html" / "policies" / "travel-policy.html").read_text(encoding="utf-8")
    assert 'id="travel-3-1"' in html


# --- names --------------------------------------------------------------------------------

NFD = unicodedata.normalize("NFD", "café")
BAD_NAMES = [
    "policies/..md",
    "policies/.hidden.md",
    "policies/.drafts/x.md",
    "policies/a\nb.md",
    "policies/a\tb.md",
    "policies/a\rb.md",
    "policies/a#b.md",
    "policies/a?b.md",
    "policies/a%20b.md",
    "policies/a%b.md",
    "policies/a b.md",
    "policies/a\\b.md",
    "policies/a\x01b.md",
    "policies/a\u200bb.md",
    f"policies/{NFD}.md",
    "policies/X.MD",
    "faq/y.markdown",
    "faq/.x.md",
]
GOOD_NAMES = [
    "policies/返利细则.md",
    "policies/a(b).md",
    "policies/a+b.md",
    "policies/a'b.md",
    "policies/a~b.md",
    "policies/sub.d/x.md",
    "policies/a..b.md",
    "policies/a,b.md",
    "policies/a@b.md",
]


def _named(i: int) -> str:
    return FM.format(pid=f"N{i}", title=f"T{i}", extra="language: en\n") + f"# T{i}\n\n## 1 S\n\nMARK{i}X\n"


@pytest.fixture
def named_repo(make_repo) -> Path:
    root = make_repo({"policies/sales-policy.md": SALES, "index.md": "# Home\n\n```{policy-index}\n```\n"})
    shutil.copy(ROOT / "conf.py", root / "conf.py")
    for i, rel in enumerate(BAD_NAMES + GOOD_NAMES):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_named(i), encoding="utf-8")
    raw = os.fsencode(root / "policies") + b"/bad\xff.md"  # a name that is not UTF-8
    with open(raw, "w", encoding="utf-8") as fh:
        fh.write(_named(99))
    return root


def test_names_the_site_cannot_publish_are_errors_and_nothing_goes_missing_silently(named_repo: Path, tmp_path):
    check = policy("check", "--root", str(named_repo))
    assert check.returncode == 1 and "Traceback" not in check.stderr
    errors = [line for line in check.stderr.splitlines() if " error PL112 " in line]
    assert len(errors) == len(BAD_NAMES) + 1, "\n".join(errors)
    for rel in BAD_NAMES:
        shown = "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in rel)
        assert any(line.startswith(f"{named_repo / shown}:1: error PL112 page not published") for line in errors), rel
    assert any("bad\\udcff.md" in line for line in errors)
    assert not any(name in check.stderr for name in GOOD_NAMES)
    # policy build stops on the errors; a plain sphinx-build neither crashes nor reads those files
    build = policy("build", "--root", str(named_repo))
    assert build.returncode == 1 and "Traceback" not in build.stderr
    out = tmp_path / "plain"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(named_repo), str(out)],
        capture_output=True,
        text=True,
        errors="replace",
    )
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-2000:]
    records = json.loads((out / "clauses.json").read_text(encoding="utf-8"))
    assert {r["policy"] for r in records} == {"SALES"} | {f"N{len(BAD_NAMES) + i}" for i in range(len(GOOD_NAMES))}


def test_every_name_check_accepts_is_reachable_in_a_browser(make_repo, serve, page):
    """The names check lets through really publish: each clause URL of clauses.json (the ones
    citations, answers and copy-citation use) opens the page at its clause in Chromium."""
    root = make_repo({rel: _named(i) for i, rel in enumerate(GOOD_NAMES)})
    assert all(unpublishable(rel) is None for rel in GOOD_NAMES)
    out = root / "_build" / "html"
    build = policy("build", "--root", str(root))
    assert build.returncode == 0, build.stderr
    base = serve(out)
    records = json.loads((out / "clauses.json").read_text(encoding="utf-8"))
    assert len(records) == len(GOOD_NAMES)
    for record in records:
        response = page.goto(base + record["url"])
        assert response.ok, record["url"]
        anchor = record["url"].split("#", 1)[1]
        assert page.locator(f"[id='{anchor}']").inner_text().find(f"MARK{record['policy'][1:]}X") >= 0, record["url"]


# --- files pages refer to -------------------------------------------------------------------

REFERENCES = """
Text. [the store](../questions.db), [git](../.git/config) and [notes](../../outside/secret.md).

![logo](../../outside/secret.md)

{download}`form <../../outside/secret.md>`

```{include} ../../outside/secret.md
```

:::{literalinclude} ../../outside/secret.md
:::

```{figure} ../../outside/secret.md
```

```{csv-table}
:file: ../../outside/secret.md
```

```{csv-table}
:file: OUTSIDE/secret.md
```

Kept: ![ok](img/logo.png) and [the claim form](forms/claim.txt).
"""


def test_files_outside_the_repository_that_pages_refer_to_are_errors_and_never_published(make_repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(f"{SECRET}\n", encoding="utf-8")
    page = SALES + REFERENCES.replace("OUTSIDE", str(outside))
    root = make_repo(
        {
            "policies/sales-policy.md": page,
            "policies/rebate-rules.md": REGULATION,
            "policies/forms/claim.txt": "claim form\n",
            "index.md": "# 制度\n\n```{policy-index}\n```\n",
            "questions.db": f"{SECRET} a planted store\n",
        }
    )
    (root / "policies" / "img").mkdir()
    (root / "policies" / "img" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n logo")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(f"[core]\n# {SECRET}\n", encoding="utf-8")
    shutil.copy(ROOT / "conf.py", root / "conf.py")
    first = SALES.count("\n")  # REFERENCES line n is line first + n of the page
    check = policy("check", "--root", str(root))
    assert check.returncode == 1 and "Traceback" not in check.stderr
    lines = sorted(int(line.split(":")[1]) for line in check.stderr.splitlines() if " error PL113 " in line)
    expected = [2, 2, 2, 4, 6, 8, 11, 14, 17, 21]
    assert lines == [first + n for n in expected], check.stderr
    assert "the question store" in check.stderr and "in the repository's hidden '.git'" in check.stderr
    assert "img/logo.png" not in check.stderr and "claim.txt" not in check.stderr
    out = tmp_path / "plain"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(root), str(out)], capture_output=True, text=True
    )
    assert run.returncode == 0 and "PL113" in run.stderr, run.stderr
    assert SECRET not in tree_text(out)
    assert b"logo" in (out / "_images" / "logo.png").read_bytes()
    assert [p.read_text() for p in (out / "_downloads").rglob("claim.txt")] == ["claim form\n"]


def test_a_template_cannot_include_a_file_from_outside_its_folder(make_repo, tmp_path: Path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(SECRET, encoding="utf-8")
    root = make_repo(
        {
            "policies/travel-policy.md": TRAVEL,
            "index.md": "# Home\n\n```{policy-index}\n```\n",
            "_templates/page.html": '{% extends "!page.html" %}{% block footer %}'
            '{% include "../../outside/secret.txt" %}{% endblock %}',
        }
    )
    shutil.copy(ROOT / "conf.py", root / "conf.py")
    out = tmp_path / "plain"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(root), str(out)], capture_output=True, text=True
    )
    assert run.returncode != 0 and "../../outside/secret.txt" in run.stderr  # not found: refused
    assert not out.exists() or SECRET not in tree_text(out)


def test_a_theme_installed_in_a_hidden_folder_of_the_repository_is_used(make_repo, tmp_path: Path):
    """A virtualenv inside the repository (nox's ``.nox/``, a ``.venv/``) holds the theme: it is
    installed code, not a source, so its templates are not refused like a hidden source file."""
    root = make_repo({"policies/travel-policy.md": TRAVEL, "index.md": "# Home\n\n```{policy-index}\n```\n"})
    theme = root / ".venv" / "themes" / "plain"
    theme.mkdir(parents=True)
    (theme / "theme.conf").write_text("[theme]\ninherit = basic\n", encoding="utf-8")
    (theme / "layout.html").write_text(
        '{% extends "basic/layout.html" %}{% block footer %}THEME-FOOTER-MARK{% endblock %}', encoding="utf-8"
    )
    conf = (ROOT / "conf.py").read_text(encoding="utf-8")
    (root / "conf.py").write_text(
        conf + '\nhtml_theme = "plain"\nhtml_theme_path = [".venv/themes"]\n', encoding="utf-8"
    )
    out = tmp_path / "plain"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(root), str(out)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "THEME-FOOTER-MARK" in (out / "policies" / "travel-policy.html").read_text(encoding="utf-8")
