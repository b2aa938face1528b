"""The number Word shows in front of a paragraph, from ``numbering.xml`` and ``styles.xml``.

What Word does, and this follows (ECMA-376 Part 1, §17.9):

* a paragraph is numbered by its own ``w:numPr`` or by its paragraph style's (``basedOn``
  followed); ``w:numId`` 0 switches numbering off;
* a ``w:num`` points at an ``w:abstractNum``; ``w:num``\\ s of one abstract definition continue
  one list unless a ``w:lvlOverride/w:startOverride`` starts their own;
* a level's counter starts at ``w:start`` and restarts after a higher level is used, or as
  ``w:lvlRestart`` says (0: never);
* ``w:lvlText`` ``第%1条`` / ``%1.%2`` puts each level's counter in its own ``w:numFmt``
  (decimal for every level when ``w:isLgl`` is set).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .counters import known, render

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def qn(name: str) -> str:
    return f"{{{W}}}{name}"


def val(el, path: str, default: str | None = None) -> str | None:
    found = el.find(path, NS) if el is not None else None
    if found is None:
        return default
    return found.get(qn("val"), default)


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # lvlRestart: None = after any higher level; 0 = never
    style: str | None = None  # the paragraph style this level belongs to (w:pStyle)
    legal: bool = False  # w:isLgl: every level decimal


def _level(el) -> Level:
    restart = val(el, "w:lvlRestart")
    return Level(
        start=int(val(el, "w:start", "1") or 1),
        fmt=val(el, "w:numFmt", "decimal") or "decimal",
        text=val(el, "w:lvlText", "") or "",
        restart=int(restart) if restart is not None else None,
        style=val(el, "w:pStyle"),
        legal=el.find("w:isLgl", NS) is not None and val(el, "w:isLgl", "1") not in ("0", "false"),
    )


@dataclass
class _Num:
    abstract: str
    starts: dict[int, int] = field(default_factory=dict)  # ilvl -> startOverride
    levels: dict[int, Level] = field(default_factory=dict)  # ilvl -> lvl inside lvlOverride


@dataclass
class _Style:
    based_on: str | None
    num_id: str | None
    ilvl: int | None
    outline: int | None
    name: str


class Numbering:
    """Numbering definitions and styles of one document, and the running counters of its lists."""

    def __init__(self, numbering_xml: bytes | None, styles_xml: bytes | None) -> None:
        self.abstract: dict[str, dict[int, Level]] = {}
        self.links: dict[str, str] = {}  # abstractNum id -> numStyleLink style id
        self.nums: dict[str, _Num] = {}
        self.styles: dict[str, _Style] = {}
        self.unknown_formats: set[str] = set()
        if numbering_xml:
            root = etree.fromstring(numbering_xml)
            for a in root.findall("w:abstractNum", NS):
                aid = a.get(qn("abstractNumId"))
                self.abstract[aid] = {int(lv.get(qn("ilvl"))): _level(lv) for lv in a.findall("w:lvl", NS)}
                if (link := val(a, "w:numStyleLink")) is not None:
                    self.links[aid] = link
            for n in root.findall("w:num", NS):
                num = _Num(abstract=val(n, "w:abstractNumId", "") or "")
                for o in n.findall("w:lvlOverride", NS):
                    ilvl = int(o.get(qn("ilvl")))
                    if (start := val(o, "w:startOverride")) is not None:
                        num.starts[ilvl] = int(start)
                    if (lv := o.find("w:lvl", NS)) is not None:
                        num.levels[ilvl] = _level(lv)
                self.nums[n.get(qn("numId"))] = num
        if styles_xml:
            for s in etree.fromstring(styles_xml).findall("w:style", NS):
                if s.get(qn("type")) != "paragraph":
                    continue
                ppr = s.find("w:pPr", NS)
                style_level = val(ppr, "w:numPr/w:ilvl")
                outline = val(ppr, "w:outlineLvl")
                self.styles[s.get(qn("styleId"))] = _Style(
                    based_on=val(s, "w:basedOn"),
                    num_id=val(ppr, "w:numPr/w:numId"),
                    ilvl=int(style_level) if style_level is not None else None,
                    outline=int(outline) if outline is not None else None,
                    name=val(s, "w:name", "") or "",
                )
        self._counters: dict[str, dict[int, int]] = {}

    # -- styles ---------------------------------------------------------------------------------
    def _style_chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            yield style_id, self.styles[style_id]
            style_id = self.styles[style_id].based_on

    def style_name(self, style_id: str | None) -> str:
        return self.styles[style_id].name if style_id in self.styles else (style_id or "")

    def heading_level(self, style_id: str | None, outline: int | None) -> int | None:
        """1 for Heading 1 (or outline level 0), …; ``None`` for body text."""
        if outline is not None:
            return outline + 1 if outline < 9 else None
        for _, style in self._style_chain(style_id):
            name = style.name.lower()
            if name.startswith("heading ") and name[8:].isdigit():
                return int(name[8:])
            if style.outline is not None:
                return style.outline + 1 if style.outline < 9 else None
        return None

    def is_title(self, style_id: str | None) -> bool:
        return any(s.name.lower() == "title" for _, s in self._style_chain(style_id))

    # -- lists ----------------------------------------------------------------------------------
    def _levels(self, num_id: str) -> tuple[str, dict[int, Level]] | None:
        num = self.nums.get(num_id)
        if num is None:
            return None
        aid, seen = num.abstract, set()
        while aid in self.links and aid not in seen:  # an abstractNum that points at a numbering style
            seen.add(aid)
            style = self.styles.get(self.links[aid])
            target = self.nums.get(style.num_id) if style and style.num_id else None
            if target is None:
                break
            aid = target.abstract
        levels = dict(self.abstract.get(aid, {}))
        levels.update(num.levels)
        return aid, levels

    def is_bullet(self, num_id: str, ilvl: int) -> bool:
        found = self._levels(num_id)
        return bool(found and ilvl in found[1] and found[1][ilvl].fmt == "bullet")

    def resolve(self, num_id: str | None, ilvl: int | None, style_id: str | None) -> tuple[str, int] | None:
        """The list (numId) and level a paragraph is numbered by, or None."""
        if num_id is None:
            for sid, style in self._style_chain(style_id):
                if style.num_id is not None:
                    num_id = style.num_id
                    if ilvl is None:
                        ilvl = style.ilvl
                    if ilvl is None:  # the level whose w:pStyle is this style
                        found = self._levels(num_id)
                        ilvl = next((i for i, lv in (found[1] if found else {}).items() if lv.style == sid), 0)
                    break
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return None
        return num_id, ilvl or 0

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the list's counter at ``ilvl`` and return the text Word shows (第十二条, 4.2.)."""
        found = self._levels(num_id)
        if found is None:
            return ""
        aid, levels = found
        num = self.nums[num_id]
        key = f"num:{num_id}" if num.starts or num.levels else f"abstract:{aid}"
        counters = self._counters.setdefault(key, {})
        level = levels.get(ilvl, Level())
        start = num.starts.get(ilvl, level.start)
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else start
        for deeper in [k for k in counters if k > ilvl]:
            rule = levels.get(deeper, Level()).restart
            if rule is None or (rule != 0 and ilvl < rule):
                del counters[deeper]
        if level.fmt == "bullet":
            return level.text
        if not known(level.fmt):
            self.unknown_formats.add(level.fmt)

        def one(k: int) -> str:
            lv = levels.get(k, Level())
            n = counters.get(k, num.starts.get(k, lv.start))
            return render(n, "decimal" if level.legal and lv.fmt != "none" else lv.fmt)

        out, i, text = [], 0, level.text
        while i < len(text):
            if text[i] == "%" and i + 1 < len(text) and text[i + 1].isdigit():
                out.append(one(int(text[i + 1]) - 1))
                i += 2
            else:
                out.append(text[i])
                i += 1
        return "".join(out)
