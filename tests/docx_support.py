"""Build real .docx files whose numbers live in ``numbering.xml``, as Word writes them.

python-docx makes the package and the paragraphs; the numbering definitions, style-attached
numbering and the parts python-docx cannot write (footnotes, comments, tracked changes, fields)
go in as WordprocessingML. Used by the import tests and by the import benchmark.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def level_xml(
    ilvl: int,
    fmt: str,
    text: str,
    start: int = 1,
    restart: int | None = None,
    style: str | None = None,
    legal: bool = False,
) -> str:
    parts = [f'<w:start w:val="{start}"/>', f'<w:numFmt w:val="{fmt}"/>']
    if restart is not None:
        parts.append(f'<w:lvlRestart w:val="{restart}"/>')
    if style:
        parts.append(f'<w:pStyle w:val="{style}"/>')
    if legal:
        parts.append("<w:isLgl/>")
    parts.append(f'<w:lvlText w:val="{escape(text)}"/>')
    return f'<w:lvl w:ilvl="{ilvl}">{"".join(parts)}</w:lvl>'


class DocxBuilder:
    """A document under construction: ``abstract`` + ``num`` define lists, ``para`` adds text."""

    def __init__(self) -> None:
        self.doc = docx.Document()
        self._abstracts: list[str] = []
        self._nums: list[str] = []
        self._footnotes: list[str] = []
        self._comments: list[str] = []

    def abstract(self, *levels: dict) -> int:
        """An ``w:abstractNum`` from level dicts (fmt, text, start, restart, style, legal)."""
        aid = len(self._abstracts) + 1
        body = "".join(level_xml(i, **lv) for i, lv in enumerate(levels))
        self._abstracts.append(
            f'<w:abstractNum w:abstractNumId="{aid}"><w:multiLevelType w:val="multilevel"/>{body}</w:abstractNum>'
        )
        return aid

    def num(self, abstract: int, starts: dict[int, int] | None = None) -> int:
        nid = len(self._nums) + 1
        overrides = "".join(
            f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
            for i, v in (starts or {}).items()
        )
        self._nums.append(f'<w:num w:numId="{nid}"><w:abstractNumId w:val="{abstract}"/>{overrides}</w:num>')
        return nid

    def list(self, *levels: dict) -> int:
        return self.num(self.abstract(*levels))

    def style_numbering(self, style: str, num: int, ilvl: int) -> None:
        """Attach numbering to a paragraph style (how Word numbers headings)."""
        ppr = self.doc.styles[style].element.get_or_add_pPr()
        num_pr = ppr.get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = ilvl
        num_pr.get_or_add_numId().val = num

    def para(
        self, text: str = "", num: int | None = None, ilvl: int = 0, style: str | None = None, xml: str | None = None
    ):
        """A paragraph; ``xml`` appends raw runs (``<w:r>…</w:r>``) after the text."""
        p = self.doc.add_paragraph(text, style=style)
        if num is not None:
            num_pr = p._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = ilvl
            num_pr.get_or_add_numId().val = num
        if xml:
            for el in parse_xml(f"<w:root {W_NS} {R_NS}>{xml}</w:root>"):
                p._p.append(el)
        return p

    def footnote(self, text: str) -> str:
        """A footnote; returns the run that refers to it."""
        fid = len(self._footnotes) + 1
        self._footnotes.append(f'<w:footnote w:id="{fid}"><w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p></w:footnote>')
        return f'<w:r><w:footnoteReference w:id="{fid}"/></w:r>'

    def comment(self, text: str) -> str:
        cid = len(self._comments)
        self._comments.append(
            f'<w:comment w:id="{cid}" w:author="审阅人"><w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p></w:comment>'
        )
        return f'<w:r><w:commentReference w:id="{cid}"/></w:r>'

    def _part(self, name: str, content_type: str, reltype: str, xml: str) -> None:
        part = Part(PackURI(f"/word/{name}"), content_type, xml.encode("utf-8"), self.doc.part.package)
        self.doc.part.relate_to(part, reltype)

    def save(self, path: Path) -> Path:
        numbering = self.doc.part.numbering_part
        numbering._element = parse_xml(
            f"<w:numbering {W_NS}>{''.join(self._abstracts)}{''.join(self._nums)}</w:numbering>"
        )
        if self._footnotes:
            seps = (
                '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
                "</w:r></w:p></w:footnote>"
            )
            self._part(
                "footnotes.xml",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                RT.FOOTNOTES,
                f"<w:footnotes {W_NS}>{seps}{''.join(self._footnotes)}</w:footnotes>",
            )
        if self._comments:
            self._part(
                "comments.xml",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml",
                RT.COMMENTS,
                f"<w:comments {W_NS}>{''.join(self._comments)}</w:comments>",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))
        return path


def regulation(builder: DocxBuilder) -> dict[str, int]:
    """The lists of a Chinese regulation: 第%1章, and 第%1条 with （%2） items under it."""
    chapters = builder.list({"fmt": "chineseCountingThousand", "text": "第%1章"})
    abstract = builder.abstract(
        {"fmt": "chineseCountingThousand", "text": "第%1条"}, {"fmt": "chineseCounting", "text": "（%2）"}
    )
    return {"chapter": chapters, "article": builder.num(abstract), "abstract": abstract}


# -- a MyST policy written back to Word, with its numbers as Word numbering ------------------------

_HEADING = re.compile(r"^(#{2,6}) (?:(?P<num>\d+(?:\.\d+)*)\.? +)?(?P<title>.*)$")
_CHAPTER = re.compile(r"^(#{2,6}) 第[一二三四五六七八九十百零〇]+章 *(?P<title>.*)$")
_ARTICLE = re.compile(r"^\*\*第[一二三四五六七八九十百零〇]+条\*\* *(?P<rest>.*)$", re.DOTALL)
_ITEM = re.compile(r"^（[一二三四五六七八九十]+）(?P<rest>.*)$", re.DOTALL)
_ROLE = re.compile(r"\{[\w:-]+\}`([^`]*)`")


def _plain(text: str) -> str:
    return _ROLE.sub(r"\1", text).replace("**", "")


def policy_to_docx(markdown: str, path: Path) -> Path:
    """Write a MyST policy as Word would hold it: headings numbered through their styles, 第X章 and
    第X条 and （一） through numbering definitions, none of those numbers in the text."""
    b = DocxBuilder()
    heads = b.list(
        *(
            {"fmt": "decimal", "text": ".".join(f"%{k + 1}" for k in range(i + 1)), "style": f"Heading{i + 1}"}
            for i in range(5)
        )
    )
    for i in range(5):
        b.style_numbering(f"Heading {i + 1}", heads, i)
    lists = regulation(b)
    body = markdown.split("\n---\n", 1)[1] if markdown.startswith("---") else markdown
    # MyST comments and targets have no Word counterpart
    body = "\n".join(line for line in body.splitlines() if not re.match(r"^(%|\(.*\)=\s*$)", line))
    table: list[list[str]] = []
    items = lists["article"]

    def flush() -> None:
        if table:
            t = b.doc.add_table(rows=len(table), cols=max(len(r) for r in table))
            for r, row in enumerate(table):
                for c, cell in enumerate(row):
                    t.cell(r, c).text = cell
            table.clear()

    for block in re.split(r"\n\s*\n", body.strip()):
        block = block.strip()
        if block.startswith("|"):
            for line in block.splitlines():
                if not re.match(r"^\|[\s:|-]+\|$", line):
                    table.append([_plain(c.strip()) for c in line.strip().strip("|").split("|")])
            flush()
            continue
        if block.startswith("# "):
            b.para(block[2:], style="Title")
        elif m := _CHAPTER.match(block):
            b.para(m["title"], num=lists["chapter"])
        elif m := _HEADING.match(block):
            level = len(m[1]) - 1
            b.para(_plain(m["title"]), style=f"Heading {level}")
            if not m["num"]:  # an unnumbered heading: switch the style's numbering off
                b.doc.paragraphs[-1]._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = 0
        elif m := _ARTICLE.match(block):
            b.para(_plain(m["rest"]), num=lists["article"], ilvl=0)
        elif m := _ITEM.match(block):
            if block.startswith("（一）"):  # items restart in each paragraph (款): a list instance of their own
                items = b.num(lists["abstract"], {1: 1})
            b.para(_plain(m["rest"]), num=items, ilvl=1)
        else:
            for line in block.splitlines():
                b.para(_plain(re.sub(r"^[-*] ", "", line.strip())))
    return b.save(path)
