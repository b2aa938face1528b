"""Does a chat message ask something? Chats are mostly not questions ("ok", "thanks", stickers);
only asking messages go to the inbox unless ``--all`` is given."""

from __future__ import annotations

import re

_MARK = re.compile(r"[?？]")
_ZH = re.compile(
    r"吗|嘛|什么|甚么|啥|怎么|怎样|怎麼|如何|为什么|為什麼|为何|哪|几[个天月号点次种时]|多少|多久|多长|是否|能否|可否|"
    r"可不可以|能不能|会不会|是不是|有没有|有沒有|要不要|需不需要|请问|請問|请教|咨询|谁|誰|何时|什么时候|"
    r"呢$|么$"
)
_EN_START = re.compile(
    r"(?:^|[.!;:\n]\s*)(?:what|when|where|who|whom|whose|why|how|which|can|could|should|would|will|shall|may|"
    r"might|is|are|am|was|were|do|does|did|have|has|had|isn't|aren't|don't|doesn't|didn't|can't|won't|"
    r"anyone|any idea|wondering|quick question|question)\b",
    re.IGNORECASE,
)
_EN_ANY = re.compile(
    r"\b(?:anyone know|does anyone|is it ok|is it possible|do we|can i|can we|how (?:much|many|long|do|to)"
    r"|what(?:'s| is| are)|i wonder|please (?:advise|confirm|clarify|let me know)|not sure (?:if|whether))\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """A question mark, or interrogative words in Chinese or English."""
    text = text.strip()
    return bool(_MARK.search(text) or _ZH.search(text) or _EN_START.search(text) or _EN_ANY.search(text))


# --- chatter: what no format should store as a question -----------------------------------------
# Acknowledgements, thanks and fillers people write in any channel (a form or a mail can say "收到"
# too); a text made only of these — plus names, @mentions, emoji and punctuation — is chatter.
_ACK_WORDS = sorted(
    set(
        """收到 收到啦 收到了 好的 好滴 好哒 好嘞 好 嗯 嗯嗯 哦 哦哦 噢 谢谢 谢谢啦 谢啦 多谢 感谢 了解 了解了
明白 明白了 知道了 行 可以 没问题 辛苦了 辛苦 辛苦啦 麻烦了 ok okay k kk thanks thx ty noted sure roger cool great perfect
👍 🙏 👌 哈哈 哈哈哈 呵呵 对 对的 是的 是 好吧 先这样 稍等""".split()
    )
    | {"thank you", "got it"},
    key=len,
    reverse=True,
)
_ACK_RE = re.compile("|".join(re.escape(w) for w in _ACK_WORDS), re.IGNORECASE)
_MEDIA = re.compile(
    r"\[(?:图片|表情|动画表情|语音|视频|文件|链接|位置|红包|转账|名片|聊天记录|小程序|"
    r"sticker|photo|image|voice|video|file|link|emoji|gif)\]|<(?:image|img|media)[^>]*>"
    r"|\[[\u4e00-\u9fff]{1,4}\]",
    re.IGNORECASE,
)  # WeChat emoji codes: [微笑] [捂脸] [强]
_NAME = re.compile(r"[\u4e00-\u9fff]{1,3}(?:经理|总监|老师|主管|总|姐|哥)|@\S+")
_ANNOUNCE = re.compile(r"^\s*[@＠](?:所有人|全体成员|all|everyone|channel|here)\b", re.IGNORECASE)
_REST = re.compile(r"[\W_]+", re.UNICODE)
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]")


def chatter(text: str) -> str | None:
    """Why a text is chatter, not a question — "an acknowledgement", "a media placeholder",
    "an announcement" — or None. A text that asks anything (``is_question``) is never chatter,
    so this is safe for every format, also forms and mail where questions lack a "?"."""
    body = text.strip()
    if not body:
        return None
    if _MEDIA.sub("", body).strip(" \t\n,，.。!！~～") == "" and _MEDIA.search(body):
        return "a media placeholder"
    if is_question(body):
        return None
    if _ANNOUNCE.match(body):
        return "an announcement to everyone"
    rest = _ACK_RE.sub("", _NAME.sub("", _EMOJI.sub("", _MEDIA.sub("", body))))
    if not _REST.sub("", rest) and (_ACK_RE.search(body) or _EMOJI.search(body)):
        return "an acknowledgement"
    return None
