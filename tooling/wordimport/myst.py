"""Paragraphs and tables read from Word, written as MyST in the clause styles the parser reads.

* a 第X条 number (Word's or typed) starts a paragraph ``**第十二条** …``; 第X章/节 become headings;
  （一） items stay at the start of their paragraph;
* Heading styles and outline levels become headings, their number (4.2) in front;
* ``Article 7`` becomes ``**Article 7** …``; bullets become ``-`` items;
* tables become pipe tables, footnotes MyST footnotes, images links to the extracted files.

Text from the document is escaped, so a ``*`` or ``<script>`` in it stays text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..clauses import ARTICLE_HEADING_RE, CHAPTER_RE
from ..numerals import CN_NUMERAL_CHARS, cn_to_int
from .body import Inline, Para, Table

_N = f"[{CN_NUMERAL_CHARS}0-9]+"
_ARTICLE = re.compile(rf"^第(?P<num>{_N})条(?:之(?P<ins>{_N}))?$")
_TYPED_ARTICLE = re.compile(rf"^(?P<label>第(?P<num>{_N})条(?:之{_N})?)(?:[ \t\u3000]+|(?=【))(?P<rest>.*)$", re.DOTALL)
_CHAPTER = re.compile(rf"^第{_N}(?P<unit>[章节编部分])$")
_EN_ARTICLE = re.compile(r"^(?:Article|ARTICLE|Art\.|§)\s*\d+(?:\.\d+)*[.:]?$")
_TYPED_EN_ARTICLE = re.compile(r"^(?P<label>(?:Article|§)\s*\d+(?:\.\d+)*[.:]?)\s+(?P<rest>\S.*)$", re.DOTALL)
_ITEM = re.compile(rf"^[（(]{_N}[）)]$")
_LIST = re.compile(r"^\d{1,9}[.)]$")
_ESCAPE = re.compile(r"([\\`*_\[\]<>{}|$&~])")
_BLOCK_START = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+=](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|:)")


def escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def _safe_start(text: str) -> str:
    """A paragraph that would read as a heading, quote, list or directive: its first mark escaped."""
    m = _BLOCK_START.match(text)
    if not m:
        return text
    if m.group(1)[0].isdigit():
        return text[: m.end()] + "\\" + text[m.end() :]
    return "\\" + text


def inline(inlines: list[Inline], footnote: Callable[[str], str], image: Callable[[str, str], str]) -> str:
    """Runs as Markdown: bold and italic kept, spaces collapsed, footnote and image references."""
    out: list[str] = []
    i = 0
    while i < len(inlines):
        item = inlines[i]
        if item.kind == "footnote":
            out.append(footnote(item.text))
            i += 1
            continue
        if item.kind == "image":
            out.append(image(item.text, item.alt))
            i += 1
            continue
        j = i
        while (
            j < len(inlines)
            and inlines[j].kind == "text"
            and (inlines[j].bold, inlines[j].italic) == (item.bold, item.italic)
        ):
            j += 1
        text = re.sub(r"[ \t\u00a0]+", " ", "".join(x.text for x in inlines[i:j]))
        core = text.strip()
        mark = ("**" if item.bold else "") + ("*" if item.italic else "")
        if mark and core:
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
            out.append(f"{lead}{mark}{escape(core)}{mark[::-1]}{trail}")
        else:
            out.append(escape(text))
        i = j
    return re.sub(r" {2,}", " ", "".join(out)).strip()


@dataclass
class Written:
    markdown: str
    order: list[tuple[int, str, str]] = field(default_factory=list)  # (paragraph, label, after which label)
    styles: dict[str, int] = field(default_factory=dict)  # how clause numbers came: word / typed


class Writer:
    def __init__(self, title: str, footnotes: dict[str, list[Para]], image: Callable[[str, str], str]) -> None:
        self.title = title
        self.footnotes = footnotes
        self.image = image
        self.used_notes: list[str] = []
        self.last_article: tuple[int, str] | None = None
        self.written = Written("")
        self.heading_base = 1

    def footnote(self, note_id: str) -> str:
        if note_id not in self.footnotes:
            return ""
        if note_id not in self.used_notes:
            self.used_notes.append(note_id)
        return f"[^{self.used_notes.index(note_id) + 1}]"

    def _text(self, para: Para) -> str:
        return inline(para.inlines, self.footnote, self.image)

    def _after(self, para: Para, label: str) -> str:
        """The paragraph's Markdown without the number typed at its start."""
        rest, skip = [], len(label)
        for item in para.inlines:
            if skip and item.kind == "text":
                text = item.text.lstrip() if skip == len(label) else item.text
                cut = min(skip, len(text))
                skip -= cut
                item = Inline(text[cut:], item.bold, item.italic)
            rest.append(item)
        return inline(rest, self.footnote, self.image)

    def _count(self, how: str) -> None:
        self.written.styles[how] = self.written.styles.get(how, 0) + 1

    def _article(self, para: Para, label: str) -> None:
        m = _ARTICLE.match(label)
        if not m or m["ins"]:
            return
        try:
            n = cn_to_int(m["num"])
        except ValueError:
            return
        if self.last_article and n <= self.last_article[0]:
            self.written.order.append((para.index, label, self.last_article[1]))
        self.last_article = (n, label)

    def paragraph(self, para: Para) -> str | None:
        text = self._text(para)
        label = para.label.strip()
        if not text and not label:
            return None
        if para.heading is not None:
            level = min(max(para.heading - self.heading_base + 2, 2), 6)
            if label:
                self._count("word")
                if _ARTICLE.match(label):
                    self._article(para, label)
            head = " ".join(x for x in (escape(label), text) if x)
            if not label and ARTICLE_HEADING_RE.match(para.text.strip()):
                self._article(para, re.match(rf"第{_N}条", para.text.strip()).group(0))  # type: ignore[union-attr]  # the heading RE matched it
            return f"{'#' * level} {head}"
        if label:
            self._count("word")
            if _ARTICLE.match(label):
                self._article(para, label)
                return f"**{label}** {text}"
            if m := _CHAPTER.match(label):
                return f"{'##' if m['unit'] in '章编部分' else '###'} {label} {text}".rstrip()
            if _EN_ARTICLE.match(label):
                return f"**{label}** {text}"
            if _ITEM.match(label):
                return f"{label}{text}"
            if para.bullet:
                return f"- {text}"
            if _LIST.match(label):
                return f"{label} {text}"
            return f"{escape(label)} {_safe_start(text)}" if text else escape(label)
        plain = para.text.strip()
        if m := _TYPED_ARTICLE.match(plain):
            self._count("typed")
            self._article(para, m["label"])
            return f"**{m['label']}** {self._after(para, m['label'])}"
        if CHAPTER_RE.match(plain) and len(plain) <= 40 and not re.search(r"[。；;]", plain):
            self._count("typed")
            unit = re.match(rf"第{_N}(.)", plain)
            return f"{'###' if unit and unit.group(1) == '节' else '##'} {text}"
        if m := _TYPED_EN_ARTICLE.match(plain):
            self._count("typed")
            return f"**{m['label']}** {self._after(para, m['label'])}"
        return _safe_start(text)

    def table(self, table: Table) -> str:
        # a cell's text stays text: its 第一条 is not an article, its Heading style not a heading
        rows = [
            [
                " ".join(
                    x for x in (" ".join(y for y in (escape(p.label.strip()), self._text(p)) if y) for p in cell) if x
                )
                for cell in row
            ]
            for row in table.rows
        ]
        width = max((len(r) for r in rows), default=0)
        if not width:
            return ""
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)

    def write(self, blocks: list[Para | Table]) -> Written:
        headings = [b.heading for b in blocks if isinstance(b, Para) and b.heading is not None and not b.title]
        self.heading_base = min(headings, default=1)
        parts = [f"# {escape(self.title)}"]
        first = True
        for block in blocks:
            if isinstance(block, Table):
                if md := self.table(block):
                    parts.append(md)
                first = False
                continue
            if block.title or (first and block.text.strip() == self.title.strip()):
                first = False if block.text.strip() else first
                continue
            if written := self.paragraph(block):
                parts.append(written)
                first = False
        notes = []
        for n, note_id in enumerate(self.used_notes, 1):
            body = " ".join(x for x in (self._text(p) for p in self.footnotes[note_id]) if x)
            notes.append(f"[^{n}]: {body}")
        if notes:
            parts.append("\n".join(notes))
        self.written.markdown = "\n\n".join(parts) + "\n"
        return self.written
