"""Read a Word document's body into paragraphs and tables, as Word shows them.

python-docx opens the package (zip, content types, relationships, parts); this walks the body
XML itself, because python-docx's ``paragraph.runs`` skips runs inside ``w:ins``, hyperlinks
and fields. Tracked changes are read as accepted (insertions kept, deletions dropped), field
codes give way to their results, a table of contents is dropped, and every paragraph gets the
list number Word would show (:mod:`.numbering`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .numbering import NS, Numbering, qn, val

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
V = "urn:schemas-microsoft-com:vml"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


@dataclass
class Inline:
    text: str
    bold: bool = False
    italic: bool = False
    kind: str = "text"  # text | footnote (text = Word's footnote id) | image (text = relationship id)
    alt: str = ""  # an image's description (wp:docPr/@descr), its alt text


@dataclass
class Para:
    index: int  # 1-based paragraph number in the body, tables' paragraphs included
    inlines: list[Inline]
    style: str | None = None
    heading: int | None = None  # 1 for Heading 1 / outline level 0
    title: bool = False
    label: str = ""  # the list number Word shows (第十二条, （一）, 4.2)
    bullet: bool = False

    @property
    def text(self) -> str:
        return "".join(i.text for i in self.inlines if i.kind == "text")


@dataclass
class Table:
    index: int  # the paragraph number of its first cell
    rows: list[list[list[Para]]]
    merged: int = 0  # cells merged into a neighbour (gridSpan, vMerge)


@dataclass
class Notes:
    """What the walk met that the Markdown leaves out, each at its paragraph."""

    page_breaks: list[int] = field(default_factory=list)
    toc: list[int] = field(default_factory=list)
    tracked: int = 0
    images: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # rId -> (blob, extension)


_TRUE_OFF = ("0", "false", "off", "none")


def _on(rpr, name: str) -> bool:
    el = rpr.find(f"w:{name}", NS) if rpr is not None else None
    return el is not None and el.get(qn("val"), "1") not in _TRUE_OFF


class BodyReader:
    """One pass over a body (or a footnote): paragraphs and tables in order."""

    def __init__(self, numbering: Numbering, part: Any, notes: Notes) -> None:
        self.numbering, self.part, self.notes = numbering, part, notes
        self.count = 0
        self._fields: list[dict] = []  # open complex fields: {"instr": str, "result": bool}

    # -- blocks ---------------------------------------------------------------------------------
    def blocks(self, container) -> list[Para | Table]:
        out: list[Para | Table] = []
        for child in container:
            tag = child.tag
            if tag == qn("p"):
                para = self.paragraph(child)
                if para is not None:
                    out.append(para)
            elif tag == qn("tbl"):
                out.append(self.table(child))
            elif tag == qn("sdt"):
                gallery = child.find("w:sdtPr/w:docPartObj/w:docPartGallery", NS)
                if gallery is not None and "table of contents" in (gallery.get(qn("val")) or "").lower():
                    self.notes.toc.append(self.count + 1)
                    continue
                content = child.find("w:sdtContent", NS)
                if content is not None:
                    out.extend(self.blocks(content))
            elif tag in (qn("ins"), qn("moveTo"), qn("customXml")):
                out.extend(self.blocks(child))
        return out

    def table(self, tbl) -> Table:
        table = Table(index=self.count + 1, rows=[])
        for tr in tbl.findall("w:tr", NS):
            row: list[list[Para]] = []
            for tc in tr.findall("w:tc", NS):
                span = int(val(tc, "w:tcPr/w:gridSpan", "1") or 1)
                vmerge = tc.find("w:tcPr/w:vMerge", NS)
                cell = [b for b in self.blocks(tc) if isinstance(b, Para)]
                if vmerge is not None and vmerge.get(qn("val"), "continue") == "continue":
                    table.merged += 1
                    cell = []
                row.append(cell)
                for _ in range(span - 1):
                    table.merged += 1
                    row.append([])
            table.rows.append(row)
        return table

    def paragraph(self, p) -> Para | None:
        self.count += 1
        index = self.count
        ppr = p.find("w:pPr", NS)
        style = val(ppr, "w:pStyle")
        outline = val(ppr, "w:outlineLvl")
        inlines: list[Inline] = []
        self._walk(p, inlines, index)
        in_toc = any(f["instr"].lstrip().upper().startswith("TOC") for f in self._fields)
        if in_toc:
            return None
        para = Para(
            index=index,
            inlines=inlines,
            style=style,
            heading=self.numbering.heading_level(style, int(outline) if outline is not None else None),
            title=self.numbering.is_title(style),
        )
        ilvl = val(ppr, "w:numPr/w:ilvl")
        found = self.numbering.resolve(val(ppr, "w:numPr/w:numId"), int(ilvl) if ilvl is not None else None, style)
        if found is not None and (para.text.strip() or para.heading):
            para.label = self.numbering.label(*found)
            para.bullet = self.numbering.is_bullet(*found)
        return para

    # -- inline content -------------------------------------------------------------------------
    def _walk(self, el, out: list[Inline], index: int) -> None:
        for child in el:
            tag = child.tag
            if tag in (qn("del"), qn("moveFrom")):
                self.notes.tracked += 1
                continue
            if tag in (qn("ins"), qn("moveTo")):
                self.notes.tracked += 1
                self._walk(child, out, index)
            elif tag == qn("r"):
                self._run(child, out, index)
            elif tag in (qn("hyperlink"), qn("smartTag"), qn("fldSimple"), qn("customXml"), qn("bdo"), qn("dir")):
                if tag == qn("fldSimple") and (child.get(qn("instr")) or "").strip().upper().startswith("TOC"):
                    self.notes.toc.append(index)
                    continue
                self._walk(child, out, index)
            elif tag == qn("sdt"):
                content = child.find("w:sdtContent", NS)
                if content is not None:
                    self._walk(content, out, index)

    def _hidden(self) -> bool:
        """Inside a field's instructions, or inside a table of contents."""
        return any(not f["result"] or f["instr"].lstrip().upper().startswith("TOC") for f in self._fields)

    def _run(self, r, out: list[Inline], index: int) -> None:
        rpr = r.find("w:rPr", NS)
        bold, italic = _on(rpr, "b"), _on(rpr, "i")
        if _on(rpr, "vanish"):
            return
        for child in r:
            tag = child.tag
            if tag == qn("fldChar"):
                kind = child.get(qn("fldCharType"))
                if kind == "begin":
                    self._fields.append({"instr": "", "result": False})
                elif kind == "separate" and self._fields:
                    self._fields[-1]["result"] = True
                    if self._fields[-1]["instr"].lstrip().upper().startswith("TOC"):
                        self.notes.toc.append(index)
                elif kind == "end" and self._fields:
                    self._fields.pop()
                continue
            if tag == qn("instrText"):
                if self._fields:
                    self._fields[-1]["instr"] += child.text or ""
                continue
            if self._hidden():
                continue
            if tag == qn("t"):
                out.append(Inline(child.text or "", bold, italic))
            elif tag in (qn("tab"), qn("ptab")):
                out.append(Inline("\t", bold, italic))
            elif tag == qn("br"):
                if child.get(qn("type")) == "page":
                    self.notes.page_breaks.append(index)
                else:
                    out.append(Inline(" "))
            elif tag in (qn("cr"),):
                out.append(Inline(" "))
            elif tag == qn("noBreakHyphen"):
                out.append(Inline("-", bold, italic))
            elif tag == qn("footnoteReference"):
                out.append(Inline(child.get(qn("id")) or "", kind="footnote"))
            elif tag in (qn("drawing"), qn("pict"), qn("object")):
                self._image(child, out)

    def _image(self, el, out: list[Inline]) -> None:
        doc_pr = next(el.iter(f"{{{WP}}}docPr"), None)
        alt = (doc_pr.get("descr") or doc_pr.get("title") or "") if doc_pr is not None else ""
        for blip in el.iter(f"{{{A}}}blip", f"{{{V}}}imagedata"):
            rid = blip.get(f"{{{R}}}embed") or blip.get(f"{{{R}}}id")
            part = self.part.related_parts.get(rid) if rid else None
            if part is None:
                continue
            ext = str(part.partname).rsplit(".", 1)[-1].lower()
            self.notes.images.setdefault(rid, (part.blob, ext))
            out.append(Inline(rid, kind="image", alt=alt))
