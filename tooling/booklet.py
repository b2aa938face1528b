"""``policy booklet SALES``: the policy's FAQ page printed to PDF by headless Chromium.

The booklet is the site's own FAQ page under the print stylesheet (``policy-print.css``: no
navigation, entries never split across pages), so what is printed is exactly what is
published. The page's print parts come from ``sphinx_ext/faq_page.py``: the cover (title with the
real count, version, effective date, owner, as-of date), the contents, questions numbered by the
policy's parts, and footnote numbers whose URLs are listed once at the end. The site is built into a temporary folder (drafts never
appear: it is a production build) unless an already built site is given.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field

from .catalog import Catalog
from .errors import Code, PolicyToolError, Problem, problem
from .faqpage import page_path, page_title, parse_page, read_text, shown, with_real_count
from .models import Policy
from .paths import replacing, safe_output

CHROMIUM = "/usr/bin/chromium"
# The footer is drawn apart from the page: it gets the page's printed font, or it would fall
# back to Chromium's default and mix fonts (see footer()).
_FOOTER = (
    "<div style='font-size:8px;width:100%;text-align:center;color:#666;font-family:{font}'>"
    '<span class="title"></span> · <span class="pageNumber"></span>/<span class="totalPages"></span></div>'
)


def footer(font_family: str) -> str:
    """The page footer (title · page/pages) in ``font_family`` (the body's computed print font)."""
    return _FOOTER.format(font=re.sub(r"[^\w\s\",.-]", "", font_family))


class Booklet(BaseModel):
    """What ``policy booklet`` wrote."""

    policy: str
    title: str
    page: str  # the FAQ page's source file, relative to the repository
    pdf: str
    pages: int
    bytes: int
    problems: list[Problem] = Field(default_factory=list)  # warnings (e.g. no Chinese font)


def chromium_path() -> str:
    return os.environ.get("POLICY_CHROMIUM", CHROMIUM)


def faq_page(root: Path, catalog: Catalog, policy: Policy) -> Path:
    """The FAQ page of a policy (``faq/<policy file stem>.md``), or a PL850 problem."""
    path = page_path(root, catalog, policy)
    if not path.is_file():
        raise PolicyToolError(problem(Code.BOOKLET_NO_FAQ, f"policy {policy.id} has no FAQ page yet", path, 1))
    return path


def has_chinese_font() -> bool:
    """Whether fontconfig knows a font with Chinese glyphs (Chromium prints boxes without one)."""
    if shutil.which("fc-list") is None:
        return True  # cannot tell; do not warn
    listing = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(listing.stdout.strip())


def count_pages(pdf: bytes) -> int:
    """Pages of a PDF Chromium wrote (its page objects are plain ``/Type /Page`` dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def print_pdf(html: Path, pdf: Path) -> int:
    """Print one built page to A4 PDF with the print stylesheet; returns the number of pages."""
    executable = chromium_path()
    if not Path(executable).exists():
        raise PolicyToolError(problem(Code.BOOKLET_BROWSER, f"Chromium not found at {executable}", html, 1))
    from playwright.sync_api import Error, sync_playwright  # on first use: importing the module stays cheap

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
            )
            try:
                page = browser.new_page()
                page.goto(html.resolve().as_uri(), wait_until="load")
                page.emulate_media(media="print")
                font = page.evaluate("getComputedStyle(document.body).fontFamily")
                page.pdf(
                    path=str(pdf),
                    format="A4",
                    print_background=False,
                    display_header_footer=True,
                    header_template="<div></div>",
                    footer_template=footer(font),
                    margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                )
            finally:
                browser.close()
    except Error as exc:
        raise PolicyToolError(
            problem(Code.BOOKLET_BROWSER, f"Chromium could not print: {exc.message}", html, 1)
        ) from exc
    return count_pages(pdf.read_bytes())


def write_booklet(root: Path, policy_id: str, out: Path | None = None, site: Path | None = None) -> Booklet:
    """Write the FAQ booklet of ``policy_id`` to ``out`` (default ``ROOT/_build/<id>-faq.pdf``)."""
    from .site import build_site  # the site build (Sphinx, the whole check) only when the booklet is printed

    root = Path(root).resolve()
    catalog = Catalog.load(root)
    policy = catalog.require(policy_id)
    out = safe_output(root, Path(out or root / "_build" / f"{policy.id.lower()}-faq.pdf"), catalog.settings)
    source = faq_page(root, catalog, policy)
    rel = source.relative_to(root).with_suffix(".html")
    with tempfile.TemporaryDirectory(prefix="policy-booklet-") as tmp, replacing(out) as pdf:
        html_root = Path(site) if site else Path(tmp) / "html"
        if site is None and build_site(root, html_root, quiet=True, env_dir=Path(tmp) / "doctrees") != 0:
            raise PolicyToolError(
                problem(Code.BOOKLET_BUILD_FAILED, "the site did not build; fix the problems above", source, 1)
            )
        html = html_root / rel
        if not html.is_file():
            raise PolicyToolError(
                problem(Code.BOOKLET_NO_FAQ, f"{rel} is not in the built site {html_root}", source, 1)
            )
        pages = print_pdf(html, pdf)
    problems = (
        []
        if policy.language != "zh" or has_chinese_font()
        else [
            problem(
                Code.BOOKLET_NO_CJK_FONT,
                "no Chinese font installed: the booklet's Chinese text is unreadable",
                source,
                1,
            )
        ]
    )
    page = parse_page(with_real_count(policy, read_text(source)))
    title = page.title or page_title(policy, sum(shown(e.status) for e in page.entries))
    return Booklet(
        policy=policy.id,
        title=title,
        page=str(source.relative_to(root)),
        pdf=str(out),
        pages=pages,
        bytes=out.stat().st_size,
        problems=problems,
    )
