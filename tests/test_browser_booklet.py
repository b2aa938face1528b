"""The printed FAQ booklet, checked on its pages: Chromium prints the example repository's own
FAQ pages to PDF (``policy booklet``) and pdfium turns each page back into text and pixels.

What a reader of the paper copy needs: a cover that says what and when (title with the real
count, version, effective date, owner, as-of date), contents, numbered questions, readable
citations with each URL printed once and never broken inside a word, no internal counters, one
font family, and nothing running off the page."""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from tooling.catalog import Catalog
from tooling.faqpage import read_page
from tooling.site import build_site

ROOT = Path(__file__).resolve().parents[1]
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy of the example repository (policies and their FAQ pages), its site built once."""
    root = tmp_path_factory.mktemp("booklet") / "repo"
    for folder in ("policies", "faq"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "index.md", root / "index.md")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    assert build_site(root, root / "out", quiet=True) == 0
    return root


def _print(root: Path, policy: str, out: Path) -> dict:
    # In a subprocess: a test session's browser may already hold Playwright's sync API.
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tooling",
            "booklet",
            policy,
            "--root",
            str(root),
            "--site",
            str(root / "out"),
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _pages(pdf_path: Path) -> list[tuple[str, object, object]]:
    """(text, textpage, page) of every page."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    out = []
    for page in pdf:
        text = page.get_textpage()
        out.append((text.get_text_range(), text, page))
    return out


def _fonts(textpage) -> set[str]:
    """Font families used by the page's visible characters (subset prefixes like ``BAAAAA+`` dropped)."""
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    fonts = set()
    for i in range(textpage.count_chars()):
        if not textpage.get_text_range(i, 1).strip():
            continue
        pdfium_raw.FPDFText_GetFontInfo(textpage.raw, i, name, 256, ctypes.byref(flags))
        family = name.value.decode(errors="replace").split("+", 1)[-1]
        if family:  # pdfium names no font for characters it generated
            fonts.add(re.sub(r"[-,]?(Bold|Regular|Italic|Medium)$", "", family))
    return fonts


@pytest.mark.parametrize("policy_id", ["SALES", "TRAVEL"])
def test_the_booklet_has_a_cover_contents_numbers_and_references(built: Path, tmp_path: Path, policy_id: str):
    catalog = Catalog.load(built)
    policy = catalog.require(policy_id)
    page = read_page(built / "faq" / f"{Path(policy.path).stem}.md", built)
    approved = [e for e in page.entries if e.status == "approved"]
    assert approved, "the example FAQ page has approved entries"
    result = _print(built, policy_id, tmp_path / "b.pdf")
    pages = _pages(tmp_path / "b.pdf")
    zh = policy.language == "zh"
    every = "\n".join(text for text, _, _ in pages)

    cover = pages[0][0]
    if zh:
        assert result["title"] == f"{policy.meta.title}{len(approved)}问" and result["title"] in cover
    assert policy.meta.version in cover and policy.meta.effective.isoformat() in cover and policy.meta.owner in cover
    assert dt.date.today().isoformat() in cover and ("截至" if zh else "As of") in cover
    assert sum(e.question in cover for e in approved) == 0  # the cover is a cover

    contents = pages[1][0]
    assert ("目录" if zh else "Contents") in contents
    questions = "\n".join(text for text, _, _ in pages[:-1])  # the last page lists the references
    assert ("条款链接" if zh else "Links to the clauses") in pages[-1][0]
    numbered = [int(n) for n in re.findall(r"^(\d+)\. ", questions, re.M)]
    assert list(range(1, len(approved) + 1)) == sorted(set(numbered))  # 1..N, in the contents and the entries
    for n, question in enumerate(_in_order(every, approved), 1):
        assert f"{n}. {question}" in every.replace("\r\n", "\n")

    assert "次提问" not in every and not re.search(r"asked \d+ times", every)
    cited = {c.key: c for e in approved for c in map(catalog.get, e.clauses)}
    flat = re.sub(r"\s*\n\s*", "", every)
    for clause in cited.values():
        url = f"https://policies.example.com/{clause.url}"
        assert flat.count(url) == 1, url  # once, on the references page
        assert re.search(_wrapped_at_breaks(url), every), url  # a line may end after / or before #, nowhere else

    for text, textpage, pdf_page in pages:
        width, height = pdf_page.get_size()
        boxes = [
            textpage.get_charbox(i) for i in range(textpage.count_chars()) if textpage.get_text_range(i, 1).strip()
        ]
        assert all(left >= 10 * MM and right <= width - 10 * MM for left, _, right, _ in boxes), text[:60]
        pixels = pdf_page.render(scale=1).to_numpy()
        strip = int(10 * MM)
        assert pixels[:, :strip].min() == 255 and pixels[:, -strip:].min() == 255  # nothing ran into the margins
        assert len(_fonts(textpage)) == 1, _fonts(textpage)  # CJK and Latin in one family, footer too


def _wrapped_at_breaks(url: str) -> str:
    """A pattern for ``url`` as printed: a line break allowed after ``/`` and before ``#`` only."""
    pieces = re.findall(r"[^/#]*/+|#[^/#]*|[^/#]+", url)
    return r"\s*\r?\n?\s*".join(re.escape(p) for p in pieces)


def _in_order(text: str, entries) -> list[str]:
    """The entries' questions in the order the booklet prints them (by where each first appears
    after the contents)."""
    body = text.split("\n", 1)[1]
    return sorted((e.question for e in entries), key=lambda q: body.rfind(q))
