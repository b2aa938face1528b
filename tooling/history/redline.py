"""Word-level redlines that work for Chinese: text with CJK characters is split into jieba
words (Chinese has no spaces to split on), other text into words, spaces and punctuation.
The token sequences are aligned with difflib, tiny unchanged islands between two edits are
folded in (so a reviewer reads "delete A, insert B", not confetti), and the result renders
as escaped HTML ``<del>``/``<ins>`` or as wdiff-style ``[-old-]{+new+}`` text.
"""

from __future__ import annotations

import difflib
import html
import re
from typing import Literal

from pydantic import BaseModel

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORDS = re.compile(r"\w+|\s+|[^\w\s]", re.U)


class RedlineOp(BaseModel):
    """One run of the redline: text kept, inserted or deleted."""

    op: Literal["equal", "insert", "delete"]
    text: str


def tokenize(text: str) -> list[str]:
    """jieba words for text with CJK characters, else words/spaces/punctuation; joins back to ``text``."""
    if _CJK.search(text):
        from ..matching.tokenize import jieba_tokenizer  # one jieba, with its dictionary cache, loaded on demand

        return jieba_tokenizer().lcut(text, HMM=True)
    return _WORDS.findall(text)


def redline(old: str, new: str) -> list[RedlineOp]:
    """The edit from ``old`` to ``new`` as equal/delete/insert runs (deletes before inserts)."""
    a, b = tokenize(old), tokenize(new)
    raw: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            raw.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            raw.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            raw.append(("insert", "".join(b[j1:j2])))
    return _coalesce(_fold_islands(raw))


def _fold_islands(raw: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fold an unchanged island between two edits into them when it is a space or one character,
    or no longer than the edits on both sides (diff-match-patch's semantic cleanup rule), so a
    rewritten sentence reads as one deletion and one insertion, not confetti."""
    ops = list(raw)
    changed = True
    while changed:
        changed = False
        for k in range(1, len(ops) - 1):
            op, text = ops[k]
            if op != "equal" or not text:
                continue
            before, after = _edit_size(ops, k, -1), _edit_size(ops, k, 1)
            if before and after and (len(text) <= 1 or not text.strip() or len(text) < min(before, after)):
                ops[k : k + 1] = [("delete", text), ("insert", text)]
                changed = True
                break
    return ops


def _edit_size(ops: list[tuple[str, str]], k: int, step: int) -> int:
    """Length of the larger side (deleted or inserted text) of the edits next to ``ops[k]``."""
    sizes = {"delete": 0, "insert": 0}
    k += step
    while 0 <= k < len(ops) and ops[k][0] != "equal":
        sizes[ops[k][0]] += len(ops[k][1])
        k += step
    return max(sizes.values())


def _coalesce(raw: list[tuple[str, str]]) -> list[RedlineOp]:
    """Merge each run of edits into one deletion followed by one insertion."""
    ops: list[RedlineOp] = []
    dels: list[str] = []
    ins: list[str] = []

    def flush() -> None:
        if dels:
            ops.append(RedlineOp(op="delete", text="".join(dels)))
        if ins:
            ops.append(RedlineOp(op="insert", text="".join(ins)))
        dels.clear()
        ins.clear()

    for op, text in raw:
        if op == "equal":
            flush()
            if text:
                ops.append(RedlineOp(op="equal", text=text))
        else:
            (dels if op == "delete" else ins).append(text)
    flush()
    return ops


def redline_html(ops: list[RedlineOp]) -> str:
    """HTML-safe rendering: every text escaped, edits in ``<del>``/``<ins>``, line breaks as ``<br>``."""
    parts = []
    for op in ops:
        text = html.escape(op.text).replace("\n", "<br>\n")
        parts.append(text if op.op == "equal" else f"<{op.op[:3]}>{text}</{op.op[:3]}>")
    return "".join(parts)


def redline_text(ops: list[RedlineOp], color: bool = False) -> str:
    """wdiff-style text: ``[-deleted-]{+inserted+}``; with ``color`` also red/green ANSI."""
    parts = []
    for op in ops:
        if op.op == "equal":
            parts.append(op.text)
        elif op.op == "delete":
            parts.append(f"\x1b[31m[-{op.text}-]\x1b[0m" if color else f"[-{op.text}-]")
        else:
            parts.append(f"\x1b[32m{{+{op.text}+}}\x1b[0m" if color else f"{{+{op.text}+}}")
    return "".join(parts)
