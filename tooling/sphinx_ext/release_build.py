"""Release pages, built once and cached.

Each committed release of a policy becomes ``<doc>/v<version>.html``. Building one means a
small Sphinx build of that release's text alone (same configuration, same extension, so the
page has the site's theme, clause anchors and copy-citation controls), run in a separate
process so the main build's Sphinx state is untouched. The result is kept in
``ROOT/.policy-cache/releases/<policy>-<version>-<commit>-<state>/page.html`` and copied into
every later build; ``<state>`` hashes what the page shows beyond the committed text (its
banner: status, in-force dates, successor; the site's settings; this code), so a page is
rebuilt only when a new release supersedes it, its effective date arrives, or the tooling
changes. ``last-build.json`` in the cache folder records what the last build built and reused.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ..cache import cache_dir, code_fingerprint
from ..errors import Code, PolicyToolError, Problem, problem
from ..history.releases import _blob_text, last_commit, open_repo
from ..markdown import escape_text

if TYPE_CHECKING:
    from .versions import VersionState

CACHE_FORMAT = 1
PAGE_FILE = "page.html"
LOG_FILE = "last-build.json"
JOBS_PER_WORKER = 4
_PACKAGE = Path(__file__).resolve().parents[1]


def version_slug(version: str) -> str:
    """``2.0`` -> ``v2.0`` (anything unsafe in a file name becomes ``-``)."""
    return "v" + re.sub(r"[^\w.-]+", "-", version)


class ReleaseJob(BaseModel):
    """One release page to build (what the builder process receives)."""

    root: str
    policy: str
    version: str
    commit: str
    source: str  # "policies/sales-policy.md@3f2a9c1", for messages and records
    page: str  # "policies/sales-policy/v2.0"
    text: str
    status: dict[str, Any]  # status, in_force_to, superseded_by: the banner's variable part
    today: str = ""
    key: str = ""

    @property
    def label(self) -> str:
        return f"{self.policy} {self.version}"


class PublishReport(BaseModel):
    """What one site build did with release pages."""

    built: list[str] = Field(default_factory=list)  # cache keys built in this run
    cached: list[str] = Field(default_factory=list)  # cache keys reused
    pages: list[str] = Field(default_factory=list)  # pages written to the site
    problems: list[Problem] = Field(default_factory=list)


def cache_root(root: Path) -> Path:
    return cache_dir(root, "releases")


def release_jobs(state: VersionState, today: str = "") -> list[ReleaseJob]:
    """A job per committed release of every policy, with its cache key."""
    settings = state.settings
    code = code_fingerprint()
    site = json.dumps(
        [settings.project, settings.html_baseurl, settings.language, settings.policies_dir, settings.allow_raw_html]
    )
    jobs: list[ReleaseJob] = []
    with open_repo(state.root) as (repo, prefix):
        for policy_id, releases in sorted(state.releases.items()):
            for release in releases:
                final = last_commit(release)
                full = f"{prefix}/{final.path}" if prefix else final.path
                text = _blob_text(repo, final.commit, full)
                if text is None:
                    continue  # reported by the history reader (PL904)
                status = {
                    "status": release.status,
                    "superseded_by": release.superseded_by,
                    "in_force_to": release.in_force_to.isoformat() if release.in_force_to else None,
                }
                job = ReleaseJob(
                    root=str(state.root),
                    policy=policy_id,
                    version=release.version,
                    commit=final.commit,
                    source=f"{final.path}@{final.short}",
                    page=state.page(policy_id, release.version),
                    text=text,
                    status=status,
                    today=today,
                )
                state_hash = hashlib.sha256(
                    json.dumps([CACHE_FORMAT, code, site, job.page, status, text], ensure_ascii=False).encode()
                ).hexdigest()
                job.key = f"{policy_id}-{version_slug(release.version)}-{final.commit[:12]}-{state_hash[:12]}"
                jobs.append(job)
    return jobs


def publish_release_pages(state: VersionState, outdir: Path, today: str = "") -> PublishReport:
    """Build the release pages not in the cache yet, then copy every release page into ``outdir``."""
    report = PublishReport()
    try:
        jobs = release_jobs(state, today)
    except PolicyToolError as exc:
        report.problems += exc.problems
        return report
    cache = cache_root(state.root)
    missing = [job for job in jobs if not (cache / job.key / PAGE_FILE).is_file()]
    errors = build_in_processes(missing, cache) if missing else {}
    for job in jobs:
        page = cache / job.key / PAGE_FILE
        if not page.is_file():
            report.problems.append(
                problem(
                    Code.RELEASE_PAGE_FAILED,
                    f"the page of {job.label} ({job.page}.html) could not be built: "
                    f"{errors.get(job.key, 'no output').strip()[-300:]}",
                    job.source.split("@")[0],
                    1,
                )
            )
            continue
        target = Path(outdir) / f"{job.page}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
        report.pages.append(job.page)
        (report.cached if job not in missing else report.built).append(job.key)
    cache.mkdir(parents=True, exist_ok=True)
    keys = {job.key for job in jobs}
    for folder in cache.iterdir():  # pages no release needs any more (superseded banners, old code)
        if folder.is_dir() and folder.name not in keys:
            shutil.rmtree(folder, ignore_errors=True)
    (cache / LOG_FILE).write_text(report.model_dump_json(indent=1, exclude={"problems"}), encoding="utf-8")
    return report


def build_in_processes(jobs: list[ReleaseJob], cache: Path) -> dict[str, str]:
    """Build ``jobs`` in up to ``cpu_count`` worker processes; returns the errors by cache key."""
    cache.mkdir(parents=True, exist_ok=True)
    # a worker pays ~1-2 s of imports: one per JOBS_PER_WORKER pages, at most one per CPU (and 4)
    workers = max(1, min(-(-len(jobs) // JOBS_PER_WORKER), os.cpu_count() or 1, 4))
    chunks = [jobs[i::workers] for i in range(workers)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(_PACKAGE.parent), os.environ.get("PYTHONPATH")])),
    }
    procs = []
    for n, chunk in enumerate(chunks):
        spec = cache / f"jobs-{os.getpid()}-{n}.json"
        spec.write_text(json.dumps([j.model_dump() for j in chunk], ensure_ascii=False), encoding="utf-8")
        procs.append(
            (
                spec,
                chunk,
                subprocess.Popen(
                    [sys.executable, "-m", __name__, str(spec), str(cache)],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                ),
            )
        )
    errors: dict[str, str] = {}
    for spec, chunk, proc in procs:
        output, _ = proc.communicate()
        spec.unlink(missing_ok=True)
        for job in chunk:
            if not (cache / job.key / PAGE_FILE).is_file():
                errors[job.key] = output
    return errors


def build_release(job: ReleaseJob, cache: Path) -> Path:
    """A small Sphinx build of one release's text; leaves only ``<key>/page.html``."""
    from sphinx.application import Sphinx  # on first use: importing the module stays cheap
    from sphinx.util.docutils import (
        docutils_namespace,
        patch_docutils,
    )  # on first use: importing the module stays cheap

    from ..config import load_settings  # in the release builder process only
    from ..site import sphinx_config  # in the release builder process only (site imports the whole check)

    root = Path(job.root)
    work = cache / job.key
    shutil.rmtree(work, ignore_errors=True)
    src, out = work / "src", work / "html"
    source = src / f"{job.page}.md"
    source.parent.mkdir(parents=True)
    source.write_text(job.text, encoding="utf-8")
    # A home page in the small build, so the theme's "home" and "up" links lead to the site's.
    (src / "index.md").write_text(
        f"# {escape_text(load_settings(root).project)}\n\n```{{toctree}}\n:hidden:\n\n{job.page}\n```\n",
        encoding="utf-8",
    )
    has_conf = (root / "conf.py").is_file()
    overrides: dict[str, Any] = {} if has_conf else sphinx_config(root, load_settings(root))
    if not has_conf:
        overrides["templates_path"] = [str(root / t) for t in overrides["templates_path"]]
    overrides.update(
        root_doc="index",
        include_patterns=["index.md", f"{job.page}.md"],
        policy_release=job.model_dump(),
        policy_search=False,
        policy_today=job.today,
        policy_root=str(root),
        html_use_index=False,
    )
    warnings = io.StringIO()
    with patch_docutils(root), docutils_namespace():
        app = Sphinx(
            str(src),
            str(root) if has_conf else None,
            str(out),
            str(work / "doctrees"),
            "html",
            confoverrides=overrides,
            status=None,
            warning=warnings,
            freshenv=True,
        )
        app.build()
    built = out / f"{job.page}.html"
    if not built.is_file():
        raise RuntimeError(f"Sphinx wrote no {job.page}.html: {warnings.getvalue()}")
    shutil.copyfile(built, work / (PAGE_FILE + ".tmp"))
    for folder in (src, out, work / "doctrees"):
        shutil.rmtree(folder, ignore_errors=True)
    (work / (PAGE_FILE + ".tmp")).replace(work / PAGE_FILE)  # the page appears only when complete
    if warnings.getvalue():
        (work / "warnings.txt").write_text(warnings.getvalue(), encoding="utf-8")
    return work / PAGE_FILE


def main(argv: list[str]) -> int:
    """``python -m tooling.sphinx_ext.release_build JOBS.json CACHE``: build each job in turn."""
    jobs = [ReleaseJob.model_validate(j) for j in json.loads(Path(argv[0]).read_text(encoding="utf-8"))]
    status = 0
    for job in jobs:
        try:
            build_release(job, Path(argv[1]))
        except Exception as exc:  # one bad release must not stop the others
            print(f"{job.label}: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
