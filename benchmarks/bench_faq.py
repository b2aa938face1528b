"""Issue 5: what drafting the FAQ costs on top of clustering, what the LLM cache and concurrency
save against a local OpenAI-compatible server with 100 ms latency, and what an in-place approval
costs against just reading the page. Each figure is a ratio to a baseline measured in this run."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from tests.llm_server import Server, good

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev"
LATENCY = 0.1


def _repo(tmp: Path) -> tuple[Path, list[Path]]:
    """The dev set (412 questions) when present, else this repository's example log."""
    root = tmp / "repo"
    if DEV.is_dir():
        shutil.copytree(DEV / "policies", root / "policies")
        return root, [DEV / "questions.jsonl"]
    shutil.copytree(ROOT / "policies", root / "policies")
    return root, sorted((ROOT / "examples" / "questions").iterdir())


def _slow(request: dict):
    """A model that takes LATENCY seconds to answer (what makes concurrency pay)."""
    status, content, _ = good(request)
    return status, content, LATENCY


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> dict:
    os.environ["POLICY_MATCHING_SEMANTIC"] = "off"
    from tooling.catalog import Catalog
    from tooling.faq.approve import approve
    from tooling.faq.draft import draft_faq, load_clusters
    from tooling.faqpage import parse_page, read_text
    from tooling.questions.ingest import ingest_paths

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root, inputs = _repo(Path(tmp))
        ingest_paths(root, inputs)
        catalog = Catalog.load(root)
        policy = catalog.policies[0]
        cluster_s = min(_timed(lambda: load_clusters(root, catalog)) for _ in range(2))
        page = root / "faq" / f"{Path(policy.path).stem}.md"
        draft_s = _timed(lambda: draft_faq(root, policy.id, top=50, min_askers=1))
        entries = parse_page(read_text(page)).entries
        rerun_s = _timed(lambda: draft_faq(root, policy.id, top=50, min_askers=1))
        out.update(
            cluster_s=cluster_s,
            draft_s=draft_s,
            draft_ratio=draft_s / cluster_s,
            rerun_ratio=rerun_s / cluster_s,
            entries=len(entries),
        )
        print(f"{policy.id}: {len(entries)} drafts; clustering alone {cluster_s:.2f} s")
        print(f"policy faq draft (offline, end to end) / clustering: {out['draft_ratio']:.2f}x")
        print(f"re-run adding nothing / clustering:                  {out['rerun_ratio']:.2f}x")

        read_s = min(_timed(lambda: parse_page(read_text(page))) for _ in range(5))
        ids = [e.id for e in entries[:20]]
        approve_s = _timed(lambda: [approve(root, i, "张敏", catalog=catalog, force=True) for i in ids]) / len(ids)
        out["approve_ratio"] = approve_s / read_s
        print(
            f"approve one entry in place / read+parse the page:   {out['approve_ratio']:.2f}x "
            f"({approve_s * 1000:.1f} ms vs {read_s * 1000:.1f} ms)"
        )

        server = Server(default=_slow)
        os.environ.update(
            POLICY_LLM_BASE_URL=server.url, POLICY_LLM_MODEL="bench", POLICY_LLM_API_KEY_ENV="BENCH_KEY", BENCH_KEY="x"
        )
        timings = {}
        try:
            for label, conc in (("sequential", "1"), ("concurrent", "4")):
                os.environ["POLICY_LLM_CONCURRENCY"] = conc
                shutil.rmtree(root / ".policy-cache", ignore_errors=True)
                page.unlink()
                timings[label] = _timed(lambda: draft_faq(root, policy.id, top=20, drafter="openai", min_askers=1))
            page.unlink()
            before = len(server.requests)
            timings["cached"] = _timed(lambda: draft_faq(root, policy.id, top=20, drafter="openai", min_askers=1))
        finally:
            server.close()
            for name in ("POLICY_LLM_BASE_URL", "POLICY_LLM_MODEL", "POLICY_LLM_API_KEY_ENV", "POLICY_LLM_CONCURRENCY"):
                os.environ.pop(name, None)
        cached_requests = len(server.requests) - before
        out.update(
            llm_concurrency_speedup=timings["sequential"] / timings["concurrent"],
            llm_cached_ratio=timings["cached"] / timings["sequential"],
        )
        print(
            f"openai drafter, 20 drafts at {LATENCY * 1000:.0f} ms/request: sequential {timings['sequential']:.2f} s, "
            f"concurrency 4 {timings['concurrent']:.2f} s ({out['llm_concurrency_speedup']:.1f}x faster)"
        )
        print(
            f"interrupted run re-run from the prompt cache / first run: {out['llm_cached_ratio']:.2f}x "
            f"({cached_requests} requests)"
        )
    return out


if __name__ == "__main__":
    main()
