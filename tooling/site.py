"""Build the site of any policy repository: the Sphinx configuration it does not have, and
``build_site`` behind ``policy build``. This repository's ``conf.py`` uses the same defaults.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .check import check_repository
from .config import Settings, load_settings
from .errors import Severity
from .paths import page_areas

DEFAULT_INDEX = """# {project}

```{{policy-index}}
```
"""



def sphinx_config(root: Path, settings: Settings | None = None) -> dict[str, Any]:
    """The Sphinx settings every policy site uses (a repository's conf.py may add to them)."""
    root = Path(root)
    settings = settings or load_settings(root)
    templates = ["_templates"] if (root / "_templates").is_dir() else []
    return {
        "project": settings.project,
        "extensions": ["myst_parser", "tooling.sphinx_ext"],
        "language": "zh_CN" if settings.language == "zh" else "en",
        "html_baseurl": settings.html_baseurl,
        "root_doc": "index",
        "source_suffix": {".md": "markdown"},
        "include_patterns": page_areas(settings),
        "exclude_patterns": ["_build", ".nox", ".venv", "**/.*"],
        "templates_path": templates,
        "myst_enable_extensions": ["colon_fence", "deflist"],
        "myst_heading_anchors": 0,
        "html_theme": "alabaster",
        "html_title": settings.project,
        "html_copy_source": False,
        "html_show_sourcelink": False,
        "policy_root": str(root.resolve()),
    }


def build_site(root: Path, out: Path | None = None, drafts: bool = False,
               warnings_as_errors: bool = False, quiet: bool = False) -> int:
    """Check the repository, then build its HTML site; returns a process exit status.

    The check reports every problem with file:line (Sphinx would only re-report pages it
    re-reads); an error fails the build even when Sphinx itself succeeds.
    """
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    root = Path(root).resolve()
    settings = load_settings(root)
    out = Path(out or root / "_build" / "html").resolve()
    problems = check_repository(root)
    for prob in problems:  # file:line: error CODE message — hint: …
        print(prob, file=sys.stderr)
    if not (root / "index.md").exists():
        (root / "index.md").write_text(DEFAULT_INDEX.format(project=settings.project), encoding="utf-8")
        print(f"{root / 'index.md'}: created a default home page (commit it or edit it)", file=sys.stderr)
    has_conf = (root / "conf.py").is_file()
    overrides: dict[str, Any] = {} if has_conf else sphinx_config(root, settings)
    overrides["policy_show_drafts"] = drafts
    # Problems were reported above with file:line and a hint; do not print them twice.
    overrides["suppress_warnings"] = [*overrides.get("suppress_warnings", []), "policy"]
    with patch_docutils(root), docutils_namespace():
        app = Sphinx(str(root), str(root) if has_conf else None, str(out),
                     str(out.parent / f".doctrees-{out.name}"), "html", confoverrides=overrides,
                     warningiserror=warnings_as_errors, status=None if quiet else sys.stdout, freshenv=False)
        app.build()
    errors = [p for p in problems if p.severity == Severity.error]
    return 1 if errors or app.statuscode else 0
