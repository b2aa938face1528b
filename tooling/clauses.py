"""Find the clauses of a policy file in the structure its author already uses.

Three styles, freely mixed:

* numbered headings — ``## 4 返利``, ``### 4.2 返利结算时间``, ``## 3. Per diem``;
* Chinese regulation style — ``## 第二章 …`` chapters, paragraphs starting ``**第十二条**`` (or
  ``第十二条`` and a space), ``第十二条之一`` inserted articles, ``（一）`` items, with items that
  restart in a later paragraph (款) cited as ``12.2(1)``;
* ``Article 7`` / ``§ 7`` paragraphs (or headings) in English documents.

A clause's text runs to the next clause of the same or a higher level. This module needs no
Sphinx: the CLI and the Sphinx extension both call :func:`parse_policy_text`.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .citations import anchor_for, number_label
from .errors import Code, Problem, problem
from .frontmatter import read_front_matter
from .markdown import Block, blocks, clause_citations, parse, roles_in
from .models import Clause, ClauseKind, Language, Policy, SourceRef
from .numerals import CN_NUMERAL_CHARS, cn_to_int

_N = f"[{CN_NUMERAL_CHARS}0-9]+"
_SP = r"[ \t\u3000]"
SECTION_RE = re.compile(r"^(?P<num>\d+(?:\.\d+)*)\.?" + _SP + r"+(?P<title>\S.*)$")
CHAPTER_RE = re.compile(rf"^第(?P<num>{_N})[章节编部分]+{_SP}*(?P<title>.*)$")
ARTICLE_RE = re.compile(
    rf"^(?:\*\*(?P<b>第(?P<bn>{_N})条(?:之(?P<bi>{_N}))?)(?:【(?P<btitle>[^】]+)】)?\*\*{_SP}*"
    rf"|(?P<p>第(?P<pn>{_N})条(?:之(?P<pi>{_N}))?){_SP}+)"
    r"(?:【(?P<title>[^】]+)】)?"
)
EN_ARTICLE_RE = re.compile(
    r"^(?:\*\*(?:Article|Art\.|§)\s*(?P<bn>\d+(?:\.\d+)*)\s*[.:—–-]?\s*(?P<btitle>[^*]*?)\s*\*\*"
    r"|(?:Article|§)\s*(?P<pn>\d+(?:\.\d+)*)[.:]?(?=\s))\s*"
)
# An article as a heading: "### 第四条 审批" or "### 第四条【审批】" (how Word headings import).
ARTICLE_HEADING_RE = re.compile(
    rf"^第(?P<num>{_N})条(?:之(?P<ins>{_N}))?{_SP}*(?:【(?P<btitle>[^】]+)】|(?P<title>.*))$"
)
EN_HEADING_RE = re.compile(r"^(?:Article|§)\s*(?P<num>\d+(?:\.\d+)*)\s*[.:—–-]?\s*(?P<title>.*)$")
ITEM_RE = re.compile(rf"^[（(](?P<num>{_N})[）)]{_SP}*")


@dataclass
class _Open:
    """A clause being collected; closed when a boundary of its rank or higher comes."""

    clause: dict
    rank: int
    parts: list[str] = field(default_factory=list)


# Boundary ranks: a clause ends at the next block whose rank is <= its own.
_ARTICLE_RANK = 100
_ITEM_RANK = 200


def parse_policy_text(
    source: str, path: Path | str, doc: str, default_language: Language = "zh", source_name: str | None = None
) -> tuple[Policy | None, list[Problem]]:
    """Parse one policy file's text into a :class:`Policy` with its clauses (or problems).

    Problems name ``path``; clause records name ``source_name`` (the path relative to the
    repository root, so records do not depend on where the repository is checked out).
    """
    tokens = parse(source)
    meta, problems = read_front_matter(tokens, path)
    if meta is None:
        return None, problems
    language: Language = meta.language or default_language
    builder = _ClauseBuilder(meta.policy, str(path), doc, meta.version, language, meta.title, source_name or str(path))
    for block in blocks(tokens):
        builder.feed(block)
    clauses, more = builder.finish()
    problems += more
    citations = clause_citations(roles_in(tokens))
    return Policy(
        meta=meta,
        language=language,
        path=str(path),
        doc=doc,
        clauses=clauses,
        citations=citations,
        id_line=_key_line(tokens, "policy"),
    ), problems


def _key_line(tokens: list, key: str) -> int:
    """The source line of a front-matter key (front matter starts at line 1 with '---')."""
    fm = next((t for t in tokens if t.type == "front_matter"), None)
    lines = fm.content.splitlines() if fm is not None else []
    return next((n + 2 for n, text in enumerate(lines) if text.startswith(f"{key}:")), 1)


def parse_policy_file(
    path: Path, root: Path, default_language: Language = "zh", data: bytes | None = None
) -> tuple[Policy | None, list[Problem]]:
    """Parse a policy file (or ``data``, its bytes as the caller already read them)."""
    try:  # the path as listed (paths.list_sources), not a link's target: its docname is the link's
        relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return None, [problem(Code.SOURCE_OUTSIDE, "policy file outside the repository: not read", path, 1)]
    doc = relative.with_suffix("").as_posix()
    try:
        source = (
            path.read_text(encoding="utf-8")
            if data is None
            else io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read()
        )  # the same newline handling as read_text
    except (OSError, UnicodeDecodeError) as exc:
        return None, [problem(Code.INPUT_UNREADABLE, f"cannot read policy file: {exc}", path, 1)]
    return parse_policy_text(source, path, doc, default_language, relative.as_posix())


class _ClauseBuilder:
    def __init__(
        self, policy: str, path: str, doc: str, version: str, language: Language, title: str, source_name: str
    ):
        self.policy, self.path, self.doc, self.version = policy, path, doc, version
        self.source_name = source_name
        self.language, self.policy_title = language, title
        self.stack: list[_Open] = []
        self.done: list[_Open] = []
        self.pending_targets: list[str] = []
        self.chapter: str | None = None
        self.article: dict | None = None  # article state: number, paragraph count, item groups
        self.problems: list[Problem] = []

    # -- feeding blocks -------------------------------------------------------------------
    def feed(self, block: Block) -> None:
        if block.kind == "target":
            self.pending_targets.append(block.text)
            return
        if block.kind == "heading":
            self._heading(block)
        elif block.kind == "paragraph":
            self._paragraph(block)
        else:
            self._append(block.text)
        self.pending_targets = []

    def _heading(self, block: Block) -> None:
        text = block.text.strip()
        rank = block.level  # headings rank by level; h1 is the document title
        self._close(rank)
        self.article = None
        if block.level == 1:
            return
        match = SECTION_RE.match(text)
        if match:
            self._open(
                ClauseKind.section, match["num"], match["title"].strip(), block, rank, level=match["num"].count(".") + 1
            )
            return
        match = EN_HEADING_RE.match(text)
        if match:
            self._open(
                ClauseKind.article,
                match["num"],
                match["title"].strip() or None,
                block,
                rank,
                level=match["num"].count(".") + 1,
            )
            self.article = {"number": match["num"], "para": 1}
            return
        match = ARTICLE_HEADING_RE.match(text)
        if match:
            try:
                number = str(cn_to_int(match["num"])) + (f"-{cn_to_int(match['ins'])}" if match["ins"] else "")
            except ValueError:
                self.problems.append(
                    problem(Code.CLAUSE_NUMERAL, f"cannot read article number {match['num']!r}", self.path, block.line)
                )
                return
            self._open(
                ClauseKind.article,
                number,
                (match["btitle"] or match["title"] or "").strip() or None,
                block,
                rank,
                level=1,
            )
            self.article = {"number": number, "para": 0}  # its first paragraph is the first 款
            return
        match = CHAPTER_RE.match(text)
        if match:
            self.chapter = text

    def _paragraph(self, block: Block) -> None:
        text = block.text
        match = ARTICLE_RE.match(self._raw(block))
        if match:
            self._article_zh(block, match)
            return
        match = EN_ARTICLE_RE.match(self._raw(block))
        if match:
            number = match["bn"] or match["pn"]
            self._close(_ARTICLE_RANK)
            title = (match["btitle"] or "").rstrip(".").strip() or None
            body = self._raw(block)[match.end() :]
            self._open(
                ClauseKind.article,
                number,
                title,
                block,
                _ARTICLE_RANK,
                level=number.count(".") + 1,
                first_text=_strip_md(body),
            )
            self.article = {"number": number, "para": 1}
            return
        if self.article is not None:
            self._article_paragraph(block)
            return
        self._append(text)

    def _article_zh(self, block: Block, match: re.Match[str]) -> None:
        raw = self._raw(block)
        digits, inserted = (match["bn"], match["bi"]) if match["b"] else (match["pn"], match["pi"])
        try:
            number = str(cn_to_int(digits)) + (f"-{cn_to_int(inserted)}" if inserted else "")
        except ValueError:
            self.problems.append(
                problem(Code.CLAUSE_NUMERAL, f"cannot read article number {digits!r}", self.path, block.line)
            )
            self._append(block.text)
            return
        self._close(_ARTICLE_RANK)
        self.article = {"number": number, "para": 1}
        body = raw[match.end() :]
        lines = body.split("\n")
        self._open(
            ClauseKind.article,
            number,
            match["btitle"] or match["title"],
            block,
            _ARTICLE_RANK,
            level=1,
            first_text=_strip_md(lines[0]),
        )
        self._item_lines(lines[1:], block.line + 1)

    def _article_paragraph(self, block: Block) -> None:
        """A paragraph inside an article: an item （一）, or a new 款 that may hold item lines."""
        lines = self._raw(block).split("\n")
        if ITEM_RE.match(lines[0]):
            self._item_lines(lines, block.line)
            return
        self._close(_ITEM_RANK)
        self.article["para"] += 1  # type: ignore[index]
        self._append(_strip_md(lines[0]))
        self._item_lines(lines[1:], block.line + 1)

    def _item_lines(self, lines: list[str], first_line: int) -> None:
        for offset, line in enumerate(lines):
            match = ITEM_RE.match(line)
            if not match:
                self._append(_strip_md(line))
                continue
            art = self.article
            assert art is not None
            try:
                n = cn_to_int(match["num"])
            except ValueError:
                self._append(_strip_md(line))
                continue
            # Items of the first paragraph (款) are 12(1); those of a later 款 are 12.2(1).
            para = "" if art["para"] == 1 else f".{art['para']}"
            number = f"{art['number']}{para}({n})"
            self._close(_ITEM_RANK)
            fake = Block("paragraph", first_line + offset, first_line + offset, line)
            self._open(
                ClauseKind.item,
                number,
                None,
                fake,
                _ITEM_RANK,
                level=2,
                first_text=_strip_md(line[match.end() :]),
                label_line=line,
            )

    # -- clause bookkeeping ---------------------------------------------------------------
    @staticmethod
    def _raw(block: Block) -> str:
        """Paragraph source text with inline markup kept (bold markers locate articles)."""
        if block.inline is None:
            return block.text
        return block.inline.content

    def _open(
        self,
        kind: ClauseKind,
        number: str,
        title: str | None,
        block: Block,
        rank: int,
        level: int,
        first_text: str = "",
        label_line: str = "",
    ) -> None:
        parent = None
        for open_ in reversed(self.stack):
            if open_.rank < rank or (kind == ClauseKind.section and _is_prefix(open_.clause["number"], number)):
                parent = open_.clause["key"]
                break
        clause = {
            "policy": self.policy,
            "number": number,
            "key": f"{self.policy} {number}",
            "anchor": anchor_for(self.policy, number),
            "kind": kind,
            "level": level,
            "label": _display_label(kind, number, self.language, block.text, label_line),
            "title": title,
            "parent": parent,
            "doc": self.doc,
            "url": f"{self.doc}.html#{anchor_for(self.policy, number)}",
            "version": self.version,
            "language": self.language,
            "source": SourceRef(file=self.source_name, line=block.line),
            "aliases": list(self.pending_targets),
            "chapter": self.chapter,
            "end_line": block.end_line,
        }
        # Parents' text holds their sub-clauses: the heading line, or the article/item line.
        self._append(block.text.strip() if block.kind == "heading" else _strip_md(label_line) or first_text)
        self.stack.append(_Open(clause, rank, [first_text] if first_text else []))

    def _append(self, text: str) -> None:
        if not text:
            return
        for open_ in self.stack:
            open_.parts.append(text)

    def _close(self, rank: int) -> None:
        while self.stack and self.stack[-1].rank >= rank:
            self.done.append(self.stack.pop())

    def finish(self) -> tuple[list[Clause], list[Problem]]:
        self._close(-1)
        self.done.sort(key=lambda o: o.clause["source"].line)
        seen: dict[str, int] = {}
        anchors: dict[str, int] = {}
        clauses: list[Clause] = []
        for open_ in self.done:
            c = open_.clause
            line = c["source"].line
            if c["number"] in seen:
                self.problems.append(
                    problem(
                        Code.CLAUSE_DUPLICATE,
                        f"clause {c['key']} is numbered twice: line {seen[c['number']]} and line {line}",
                        self.path,
                        line,
                    )
                )
                continue
            seen[c["number"]] = line
            for anchor in [c["anchor"], *c["aliases"]]:
                if anchor in anchors:
                    self.problems.append(
                        problem(
                            Code.ANCHOR_DUPLICATE,
                            f"anchor '{anchor}' also used at line {anchors[anchor]}",
                            self.path,
                            line,
                        )
                    )
                anchors[anchor] = line
            c["text"] = "\n".join(p for p in open_.parts if p).strip()
            clauses.append(Clause(**c))
        if not clauses and not self.problems:
            self.problems.append(
                problem(
                    Code.CLAUSE_NONE, "no clauses found: nothing in this policy can be cited or matched", self.path, 1
                )
            )
        return clauses, self.problems


def _is_prefix(parent: str, child: str) -> bool:
    return child.startswith(parent + ".")


def _display_label(kind: ClauseKind, number: str, language: Language, text: str, label_line: str) -> str:
    if kind == ClauseKind.section:
        return number
    return number_label(number, kind.value, language)


_MD_INLINE = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`")
_ROLE = re.compile(r"\{[\w:-]+\}`([^`]*)`")


def _strip_md(text: str) -> str:
    """Inline source to plain text for the few places where we cut a paragraph by lines."""
    text = _ROLE.sub(lambda m: re.sub(r"\s*<[^<>]+>\s*$", "", m[1]) or m[1], text)
    return _MD_INLINE.sub("", text).strip()
