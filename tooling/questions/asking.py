"""Does a chat message ask something? Chats are mostly not questions ("ok", "thanks", stickers);
only asking messages go to the inbox unless ``--all`` is given."""

from __future__ import annotations

import re

_MARK = re.compile(r"[?？]")
_ZH = re.compile(
    r"吗|嘛|什么|甚么|啥|怎么|怎样|怎麼|如何|为什么|為什麼|为何|哪|几[个天月号点次种时]|多少|多久|多长|是否|能否|可否|"
    r"可不可以|能不能|会不会|是不是|有没有|有沒有|要不要|需不需要|请问|請問|请教|咨询|谁|誰|何时|什么时候|"
    r"呢$|么$")
_EN_START = re.compile(
    r"(?:^|[.!;:\n]\s*)(?:what|when|where|who|whom|whose|why|how|which|can|could|should|would|will|shall|may|"
    r"might|is|are|am|was|were|do|does|did|have|has|had|isn't|aren't|don't|doesn't|didn't|can't|won't|"
    r"anyone|any idea|wondering|quick question|question)\b", re.IGNORECASE)
_EN_ANY = re.compile(r"\b(?:anyone know|does anyone|is it ok|is it possible|do we|can i|can we|how (?:much|many|long|do|to)"
                     r"|what(?:'s| is| are)|i wonder|please (?:advise|confirm|clarify|let me know)|not sure (?:if|whether))\b",
                     re.IGNORECASE)


def is_question(text: str) -> bool:
    """A question mark, or interrogative words in Chinese or English."""
    text = text.strip()
    return bool(_MARK.search(text) or _ZH.search(text) or _EN_START.search(text) or _EN_ANY.search(text))
