"""Issue 2: site build time vs plain sphinx-build + myst-parser, and `policy clauses --json` time,
on a generated corpus of 200 policies x 50 clauses (10,000 clauses)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import make_corpus

PLAIN_CONF = 'extensions = ["myst_parser"]\nlanguage = "zh_CN"\nexclude_patterns = ["_build"]\n'
PLAIN_INDEX = "# Policies\n\n```{toctree}\n:glob:\n:maxdepth: 1\n\npolicies/*\n```\n"


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(policies: int = 200, clauses: int = 50, repeat: int = 2) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ours = make_corpus(Path(tmp) / "ours", policies, clauses)
        plain = Path(tmp) / "plain"
        shutil.copytree(ours / "policies", plain / "policies")
        (plain / "conf.py").write_text(PLAIN_CONF)
        (plain / "index.md").write_text(PLAIN_INDEX)
        (ours / "index.md").write_text("# Policies\n\n```{policy-index}\n```\n")
        plain_s, ours_s = [], []
        for _ in range(repeat):  # alternate, fresh output each time
            shutil.rmtree(plain / "_build", ignore_errors=True)
            shutil.rmtree(ours / "_build", ignore_errors=True)
            shutil.rmtree(ours / ".policy-cache" / "doctrees", ignore_errors=True)  # Sphinx's environment
            plain_s.append(timed([sys.executable, "-m", "sphinx", "-q", "-b", "html", ".", "_build/html"], plain))
            ours_s.append(timed([sys.executable, "-m", "tooling", "build", "--root", str(ours)], ours))
        # no source changed: Sphinx re-reads nothing, rewrites no page (the site is built aside and swapped in)
        rebuild_s = min(timed([sys.executable, "-m", "tooling", "build", "--root", str(ours)], ours) for _ in range(2))
        count = len(
            json.loads(
                subprocess.run(
                    [sys.executable, "-m", "tooling", "clauses", "--json", "--root", str(ours)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
        )
        clauses_s = min(
            timed([sys.executable, "-m", "tooling", "clauses", "--json", "--root", str(ours)], ours) for _ in range(3)
        )
    result = {
        "clauses": count,
        "plain_sphinx_s": min(plain_s),
        "policy_build_s": min(ours_s),
        "build_ratio": min(ours_s) / min(plain_s),
        "rebuild_s": rebuild_s,
        "clauses_json_s": clauses_s,
    }
    print(f"corpus: {policies} policies x {clauses} = {count} clauses")
    print(f"plain sphinx-build + myst-parser: {result['plain_sphinx_s']:.1f} s (best of {repeat})")
    print(f"policy build:                     {result['policy_build_s']:.1f} s (best of {repeat})")
    print(f"ratio policy build / plain:       {result['build_ratio']:.2f}x  (target <= 1.3x)")
    print(f"no-change rebuild:                {rebuild_s:.1f} s (best of 2)")
    print(f"policy clauses --json:            {clauses_s:.2f} s (best of 3; target <= 2 s)")
    return result


if __name__ == "__main__":
    main()
