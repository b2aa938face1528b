"""``policy import FILE.docx``: a Word policy as a MyST policy file that ``policy check`` accepts.

Nothing is written unless the whole import succeeds: a bad file or a missing front-matter value
is an error before any file is touched, and the policy and its images are written atomically.
The same document imported twice gives the same bytes, so a new version re-imported over the
same file shows in git (and ``policy diff``) as the clauses that changed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import zipfile
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from ..clauses import parse_policy_text
from ..errors import Code, PolicyToolError, Problem, problem
from ..models import PolicyMeta
from .body import BodyReader, Notes, Para
from .myst import Writer, escape
from .numbering import NS, Numbering

_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OPTIONS = {
    "policy": "--policy",
    "title": "--title",
    "version": "--version",
    "effective": "--effective",
    "owner": "--owner",
    "language": "--language",
}


class ImportReport(BaseModel):
    """What ``policy import`` wrote and what it found doubtful, for the terminal and ``--json``."""

    source: str
    out: str
    policy: str
    clauses: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)  # section / article / item
    numbers: dict[str, int] = Field(default_factory=dict)  # word (numbering.xml) / typed
    images: list[str] = Field(default_factory=list)
    footnotes: int = 0
    tracked_changes: int = 0
    problems: list[Problem] = Field(default_factory=list)
    changed: bool = True


def _open(path: Path):
    """The python-docx Document, or the error that says what the file is instead."""
    import docx  # on first use: importing the module stays cheap
    from docx.opc.exceptions import PackageNotFoundError  # on first use: importing the module stays cheap

    if not path.is_file():
        raise PolicyToolError(problem(Code.INPUT_UNREADABLE, f"no such file: {path}", path))
    head = path.read_bytes()[:8]
    if head == _OLE:
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise PolicyToolError(
                problem(Code.IMPORT_ENCRYPTED, "the document is password-protected (encrypted)", path, 1)
            )
        raise PolicyToolError(problem(Code.IMPORT_DOC_BINARY, "binary Word document (.doc), not .docx", path, 1))
    if not zipfile.is_zipfile(path):
        raise PolicyToolError(problem(Code.IMPORT_NOT_DOCX, "not a Word .docx file (it is not a zip package)", path, 1))
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise PolicyToolError(problem(Code.IMPORT_NOT_DOCX, f"not a Word document package: {exc}", path, 1)) from exc
    except Exception as exc:  # python-docx raises plain errors for unexpected main parts (a .xlsx, a .pptx)
        raise PolicyToolError(problem(Code.IMPORT_NOT_DOCX, f"not a Word document: {exc}", path, 1)) from exc


def _core_title(path: Path) -> str:
    """``dc:title`` of docProps/core.xml, read directly: python-docx misses the core part when the
    relationship type is spelled as LibreOffice writes it, and then reports "Word Document"."""
    from lxml import etree  # on first use: importing the module stays cheap

    with zipfile.ZipFile(path) as z:
        if "docProps/core.xml" not in z.namelist():
            return ""
        try:
            root = etree.fromstring(z.read("docProps/core.xml"))
        except etree.XMLSyntaxError:
            return ""
    title = root.find("{http://purl.org/dc/elements/1.1/}title")
    return (title.text or "").strip() if title is not None else ""


def _related(part, kind: str):
    return next((r.target_part for r in part.rels.values() if r.reltype == _RT + kind and not r.is_external), None)


def _existing_meta(out: Path) -> dict[str, object]:
    """Front matter of the file being re-imported over, so a new version needs only --version."""
    if not out.is_file():
        return {}
    m = re.match(r"---\n(.*?)\n---\n", out.read_text(encoding="utf-8"), re.DOTALL)
    try:
        data = yaml.safe_load(m.group(1)) if m else {}
    except yaml.YAMLError:
        return {}
    return {k: str(v) for k, v in (data or {}).items() if k in _OPTIONS and v is not None}


def _language(text: str) -> str:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk * 3 >= latin else "en"


def _front_matter(path: Path, given: dict[str, str | None], out: Path, doc_title: str, text: str) -> dict[str, str]:
    meta = _existing_meta(out)  # a re-import keeps id, owner and language
    if doc_title.strip():  # the document's own title wins over the old file's
        meta["title"] = doc_title.strip()
    meta.update({k: v for k, v in given.items() if v})
    meta.setdefault("language", _language(text))
    try:
        PolicyMeta.model_validate(meta)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else ""
            what = (
                "is missing"
                if err["type"] == "missing"
                else f"is not valid: {err['msg'].removeprefix('Value error, ')}"
            )
            problems.append(
                problem(
                    Code.IMPORT_FRONT_MATTER, f"front-matter '{key}' {what}: pass {_OPTIONS.get(key, key)}", path, 1
                )
            )
        raise PolicyToolError(problems) from exc
    return {k: str(meta[k]) for k in _OPTIONS if k in meta}


def _dump(meta: dict[str, str]) -> str:
    lines = ["---"]
    for key in _OPTIONS:
        if key in meta:
            if key == "version":  # quoted, so 3.10 stays 3.10
                lines.append(f"version: {yaml.safe_dump(meta[key], allow_unicode=True, default_style=chr(34)).strip()}")
            elif key == "effective":  # a date, validated above
                lines.append(f"effective: {meta[key]}")
            else:
                lines.append(yaml.safe_dump({key: meta[key]}, allow_unicode=True, width=10_000).strip())
    return "\n".join(lines + ["---", ""])


def _default_out(root: Path, policy: str | None, title: str, source: Path) -> Path:
    """The policy file that already holds this id, or else this title (a re-import), else
    policies/<id or file name>.md."""
    for key, value in (("policy", policy), ("title", title)):
        for md in sorted((root / "policies").glob("*.md")) if value else ():
            head = md.read_text(encoding="utf-8", errors="replace")[:600]
            if value and re.search(rf"^{key}:\s*[\"']?{re.escape(value)}[\"']?\s*$", head, re.MULTILINE):
                return md
    stem = policy.lower() if policy else re.sub(r"[^\w.-]+", "-", source.stem).strip("-.").lower() or "policy"
    return root / "policies" / f"{stem}.md"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _place(i: int, texts: dict[int, str]) -> str:
    """Where in the document: ``paragraph 12, '第十三条 本办法…'``."""
    text = " ".join(texts.get(i, "").split())
    return f"paragraph {i}, '{text[:24]}{'…' if len(text) > 24 else ''}'" if text else f"paragraph {i}"


def _dropped(doc, path: Path, notes: Notes, texts: dict[int, str]) -> list[Problem]:
    out = [problem(Code.IMPORT_DROPPED, f"page break dropped ({_place(i, texts)})", path, i) for i in notes.page_breaks]
    out += [
        problem(Code.IMPORT_DROPPED, f"table of contents dropped (paragraph {i}): the site makes its own", path, i)
        for i in notes.toc
    ]
    seen: set[tuple[str, str]] = set()
    for section in doc.sections:
        for kind, parts in (
            ("header", (section.header, section.first_page_header, section.even_page_header)),
            ("footer", (section.footer, section.first_page_footer, section.even_page_footer)),
        ):
            for hf in parts:
                if hf.is_linked_to_previous:
                    continue
                text = " ".join(p.text.strip() for p in hf.paragraphs if p.text.strip())
                if text and (kind, text) not in seen:
                    seen.add((kind, text))
                    out.append(problem(Code.IMPORT_DROPPED, f"{kind} dropped: '{text[:40]}'", path, 1))
    if (comments := _related(doc.part, "comments")) is not None:
        from lxml import etree  # on first use: importing the module stays cheap

        n = len(etree.fromstring(comments.blob).findall("w:comment", NS))
        if n:
            out.append(problem(Code.IMPORT_DROPPED, f"{n} comment(s) left out", path, 1))
    if notes.tracked:
        out.append(problem(Code.IMPORT_DROPPED, f"{notes.tracked} tracked change(s) imported as accepted", path, 1))
    return out


def import_docx(
    root: Path,
    source: Path,
    *,
    policy: str | None = None,
    title: str | None = None,
    version: str | None = None,
    effective: str | dt.date | None = None,
    owner: str | None = None,
    language: str | None = None,
    out: Path | None = None,
) -> ImportReport:
    """Import ``source`` into the repository at ``root``; see the module docstring."""
    root = root.resolve()
    doc = _open(source)
    styles = _related(doc.part, "styles")
    numbering = Numbering(
        _related(doc.part, "numbering").blob if _related(doc.part, "numbering") else None,
        styles.blob if styles is not None else None,
    )
    notes = Notes()
    reader = BodyReader(numbering, doc.part, notes)
    blocks = reader.blocks(doc.element.body)
    footnotes: dict[str, list[Para]] = {}
    if (fpart := _related(doc.part, "footnotes")) is not None:
        from lxml import etree  # on first use: importing the module stays cheap

        note_reader = BodyReader(Numbering(None, styles.blob if styles is not None else None), fpart, notes)
        for fn in etree.fromstring(fpart.blob).findall("w:footnote", NS):
            if fn.get(f"{{{NS['w']}}}type") in (None, "normal"):
                footnotes[fn.get(f"{{{NS['w']}}}id")] = [b for b in note_reader.blocks(fn) if isinstance(b, Para)]
    paras = [b for b in blocks if isinstance(b, Para)]
    cells = [p for b in blocks if not isinstance(b, Para) for row in b.rows for cell in row for p in cell]
    text = "\n".join(p.text for p in paras + cells)
    if not text.strip():
        raise PolicyToolError(problem(Code.IMPORT_EMPTY, "the document has no text", source, 1))
    doc_title = next((p.text.strip() for p in paras if p.title and p.text.strip()), "")
    doc_title = doc_title or _core_title(source)  # the title readers see, else the file's property
    out = Path(os.path.abspath(out)) if out else _default_out(root, policy, title or doc_title, source)
    media = out.parent / f"{out.stem}-media"
    # resolved, so a symbolic link cannot carry the policy or its images out of the repository
    if (
        out.suffix != ".md"
        or not out.resolve().is_relative_to(root)
        or not media.resolve().is_relative_to(root)
        or any(p.startswith(".") for p in out.resolve().relative_to(root).parts)
    ):
        raise PolicyToolError(
            problem(Code.IMPORT_OUT, f"cannot write the policy to {out}: not a .md file inside {root}", source, 1)
        )
    meta = _front_matter(
        source,
        {
            "policy": policy,
            "title": title,
            "version": version,
            "effective": str(effective) if effective else None,
            "owner": owner,
            "language": language,
        },
        out,
        doc_title,
        text,
    )

    images: dict[str, str] = {}

    def image(rid: str, alt: str) -> str:
        if rid not in images:
            images[rid] = f"image{len(images) + 1}.{notes.images[rid][1]}"
        return f"![{escape(alt)}]({media.name}/{images[rid]})"

    written = Writer(meta["title"], footnotes, image).write(blocks)
    markdown = _dump(meta) + "\n" + written.markdown
    rel = out.relative_to(root)
    parsed, parse_problems = parse_policy_text(markdown, rel, rel.with_suffix("").as_posix(), meta["language"])  # type: ignore[arg-type]
    report = ImportReport(
        source=str(source),
        out=rel.as_posix(),
        policy=meta["policy"],
        numbers=written.styles,
        footnotes=len(re.findall(r"^\[\^\d+\]:", written.markdown, re.MULTILINE)),
        tracked_changes=notes.tracked,
    )
    if parsed is not None:
        report.clauses = len(parsed.clauses)
        for c in parsed.clauses:
            report.by_kind[c.kind.value] = report.by_kind.get(c.kind.value, 0) + 1
    texts = {p.index: (f"{p.label} " if p.label else "") + p.text for p in paras + cells}
    report.problems = _dropped(doc, source, notes, texts)
    report.problems += [
        problem(Code.IMPORT_ORDER, f"{label} comes after {before} ({_place(i, texts)})", source, i)
        for i, label, before in written.order
    ]
    report.problems += [
        problem(
            Code.IMPORT_MERGED_CELLS, f"table at paragraph {b.index} has {b.merged} merged cell(s)", source, b.index
        )
        for b in blocks
        if not isinstance(b, Para) and b.merged
    ]
    report.problems += [
        problem(Code.IMPORT_NUMBER_FORMAT, f"number format '{f}' written as decimal", source, 1)
        for f in sorted(numbering.unknown_formats)
    ]
    report.problems += parse_problems
    data = markdown.encode("utf-8")
    report.changed = not out.is_file() or out.read_bytes() != data
    for rid, name in images.items():
        _atomic_write(media / name, notes.images[rid][0])
        report.images.append((media / name).relative_to(root).as_posix())
    if media.is_dir():
        for stale in media.glob("image*.*"):
            if stale.name not in images.values():
                stale.unlink()
    if report.changed:
        _atomic_write(out, data)
    return report
