"""Issue 15: ``policy import`` of Word documents.

* Speed: a 300-article regulation (第%1条 and （%2） items in numbering.xml, 10 chapters, a table)
  imported end to end (read, number, write, parse the result), against the baseline measured in
  the same run: python-docx opening the same file and reading every paragraph's text (which gives
  no numbers at all). Target: import ≤ 2 s.
* Fidelity: each of the repository's example policies written to .docx (numbers as Word
  numbering) and imported back: clauses before/after, keys kept, mean text similarity.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import docx
from rapidfuzz import fuzz

from tests.docx_support import DocxBuilder, policy_to_docx, regulation
from tooling.catalog import Catalog
from tooling.wordimport import import_docx

ROOT = Path(__file__).resolve().parents[1]


def make_regulation(path: Path, articles: int = 300) -> Path:
    b = DocxBuilder()
    lists = regulation(b)
    b.para("大型制度汇编", style="Title")
    for n in range(1, articles + 1):
        if n % 30 == 1:
            b.para(f"第{n // 30 + 1}部分规定", num=lists["chapter"])
        b.para(
            f"【条款{n}】 经销商应当按照本条规定办理第{n}项事务，逾期未办理的，按公司规定处理。", num=lists["article"]
        )
        if n % 5 == 0:
            for k in range(3):
                b.para(f"第{k + 1}种情形的处理办法；", num=lists["article"], ilvl=1)
        if n == 150:
            t = b.doc.add_table(rows=4, cols=3)
            for r in range(4):
                for c in range(3):
                    t.cell(r, c).text = f"{r}-{c}"
    return b.save(path)


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        path = make_regulation(tmp_path / "big.docx")
        root = tmp_path / "repo"
        (root / "policies").mkdir(parents=True)
        meta = {"policy": "BIG", "version": "1.0", "effective": "2026-01-01", "owner": "法务部"}

        def baseline() -> None:
            _ = [p.text for p in docx.Document(str(path)).paragraphs]

        def run() -> None:
            (root / "policies" / "big.md").unlink(missing_ok=True)
            import_docx(root, path, **meta)

        run()
        report = import_docx(root, path, **meta)
        base, full = best(baseline), best(run)
        print(f"300-article docx ({path.stat().st_size // 1024} KiB, {report.clauses} clauses: {report.by_kind})")
        print(f"  baseline python-docx open + paragraph text: {base * 1000:.0f} ms")
        print(f"  policy import: {full * 1000:.0f} ms = {full / base:.1f}x baseline (target ≤ 2000 ms)")

        print("example policies, MyST -> docx -> MyST:")
        for md in sorted((ROOT / "policies").glob("*.md")):
            orig = tmp_path / f"orig-{md.stem}"
            (orig / "policies").mkdir(parents=True)
            (orig / "policies" / md.name).write_text(md.read_text(encoding="utf-8"), encoding="utf-8")
            policy = Catalog.load(orig).policies[0].meta
            back = tmp_path / f"back-{md.stem}"
            (back / "policies").mkdir(parents=True)
            import_docx(
                back,
                policy_to_docx(md.read_text(encoding="utf-8"), tmp_path / f"{md.stem}.docx"),
                policy=policy.policy,
                version=policy.version,
                effective=str(policy.effective),
                owner=policy.owner,
                title=policy.title,
                out=back / "policies" / md.name,
            )
            before = {c.key: c.text for c in Catalog.load(orig).clauses}
            after = {c.key: c.text for c in Catalog.load(back).clauses}
            same = [k for k in before if k in after]
            sim = sum(fuzz.ratio(before[k], after[k]) for k in same) / max(len(same), 1)
            exact = sum(before[k] == after[k] for k in same)
            print(
                f"  {md.name}: {len(before)} clauses -> {len(after)}, {len(same)} keys kept, "
                f"text similarity {sim:.1f}%, {exact} identical"
            )


if __name__ == "__main__":
    main()
