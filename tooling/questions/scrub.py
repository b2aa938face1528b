"""Personal-data scrubbing: only scrubbed text leaves the inbox (store, exports, drafts, prompts).

Each kind of personal data is replaced with a typed placeholder in the text's own language
(``[电话]`` in Chinese text, ``[phone]`` in English text) so readers still see what was there.
Askers become keyed hashes (HMAC), so repeat askers can be counted without keeping who they are.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from ..errors import Code, PolicyToolError, problem
from ..text import is_chinese

# Common Chinese surnames (single and compound): a name is one of these plus one or two characters.
_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|令狐|"
    "王|李|张|刘|陈|杨|黄|赵|吴|周|徐|孙|马|朱|胡|郭|何|高|林|罗|郑|梁|谢|宋|唐|许|韩|冯|邓|曹|彭|曾|肖|"
    "田|董|袁|潘|于|蒋|蔡|余|杜|叶|程|苏|魏|吕|丁|任|沈|姚|卢|姜|崔|钟|谭|陆|汪|范|金|石|廖|贾|夏|韦|付|"
    "方|白|邹|孟|熊|秦|邱|江|尹|薛|闫|段|雷|侯|龙|史|陶|黎|贺|顾|毛|郝|龚|邵|万|钱|严|覃|武|戴|莫|孔|向|"
    "汤|常|温|康|施|文|牛|樊|葛|邢|安|齐|易|乔|伍|庞|颜|倪|庄|聂|章|鲁|岳|翟|殷|詹|申|欧|耿|关|兰|焦|俞|"
    "左|柳|甘|祝|包|宁|尚|符|舒|阮|柯|纪|梅|童|凌|毕|单|季|裴|霍|涂|成|苗|谷|盛|曲|翁|冉|骆|蓝|路|游|辛|"
    "靳|管|柴|蒙|鲍|华|喻|祁|蒲|房|滕|屈|饶|解|牟|艾|尤|阳|时|穆|农|司|卓|古|吉|缪|简|车|项|连|芦|麦|褚|"
    "娄|窦|戚|岑|景|党|宫|费|卜|冷|晏|席|卫|米|柏|宗|瞿|桂|全|佟|应|臧|闵|苟|邬|边|卞|姬|师|和|仇|栾|隋|"
    "商|刁|沙|荣|巫|寇|桑|郎|甄|丛|仲|虞|敖|巩|明|佘|池|查|麻|苑|迟|邝"
)
# A given name never holds these (function words, places and organisations): "我是成都的" is no name.
_NOT_GIVEN = "的了是在和与及或也都就还要会能着过吗呢啊吧呀嘛么个这那哪区部处科组司局厂店省市县州镇村路街港号楼层室院校队业务销售经理"
_GIVEN = rf"(?:[\u4e00-\u9fff](?<![{_NOT_GIVEN}]))"
_ZH_NAME = rf"(?:[小老](?:{_SURNAMES})|(?:{_SURNAMES}){_GIVEN}{_GIVEN}?|(?:{_SURNAMES})(?:先生|女士|小姐|老师|经理|总))"
_ZH_END = r"(?=[，。、,.；;！!？?\s（(：:）)\[【]|$)"
_ROLE = r"(?:销售|经理|主管|专员|代表|助理|会计|出纳|工程师|同事|负责人|客户)"
_EN_NOT_NAME = (
    "Not|Also|Just|Still|The|A|An|In|On|At|From|Going|Travelling|Traveling|Flying|Driving|New|Here|"
    "Sorry|Trying|Looking|Working|Based|Currently|Unable|Wondering|Planning|Asking|Writing|Back|Out|Off|"
    "Hong|Shanghai|Beijing|Singapore|Tier|Grade|Level"
)

# (kind, zh placeholder, en placeholder, pattern, keep group). Patterns run on a copy of the text
# with full-width letters, digits and @+-._ folded to ASCII (same length, so spans map back);
# ``keep`` names a group that stays (the label before an id: "微信号 [微信]"). Order matters:
# longer/more specific first.
_RULES: list[tuple[str, str, str, str]] = [
    # Addresses, IDN domains too (例子.中国, xn--…); the local part stays ASCII so "问一下lisa@…"
    # keeps its Chinese.
    (
        "email",
        "[邮箱]",
        "[email]",
        r"[A-Za-z0-9._%+\-]+@(?:[\w\-]+\.)+(?:xn--[A-Za-z0-9\-]+|[A-Za-z]{2,}(?![A-Za-z0-9\-])|"
        r"中国|中國|公司|网络|網絡|香港|台湾|台灣|新加坡|集团|在线|商城|网店|移动|政务|公益|信息|企业|网址)",
    ),
    # Order, contract and ticket numbers: 1-5 capitals, then digits (dashes allowed), 8+ characters with
    # 6+ digits: XS20261112008, HT-2026-0042, INC0012345. Not clause keys (SALES 4.2), model numbers
    # (RO-800), grades (G8), dates or amounts (RMB1200000).
    (
        "ref",
        "[单号]",
        "[ref]",
        r"(?<![A-Za-z0-9_\-./])(?!(?:RMB|CNY|USD|HKD|EUR|GBP|JPY)\d)(?=(?:[A-Z\-]*\d){6})(?=[A-Z0-9\-]{8,})"
        r"[A-Z]{1,5}-?\d[\d\-]*\d(?![A-Za-z0-9_\-])",
    ),
    # Chinese resident ID: 18 digits (birth date, check digit or X) or the old 15-digit form.
    (
        "id-card",
        "[身份证]",
        "[id-card]",
        r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])",
    ),
    (
        "id-card",
        "[身份证]",
        "[id-card]",
        r"(?<![0-9A-Za-z.])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])",
    ),
    # Bank cards: 16-19 digits, optionally grouped by 4 with spaces or dashes.
    ("bank-card", "[银行卡]", "[bank-card]", r"(?<![\d\-])(?:\d{4}[ \-]?){3}\d{4}(?:[ \-]?\d{1,3})?(?![\d\-])"),
    # Chinese mobile: optional +86/0086, 1[3-9]x xxxx xxxx with spaces, dashes or dots between.
    ("phone", "[电话]", "[phone]", r"(?<![\d+.])(?:(?:\+|00)86[ \-.]?)?1[3-9]\d[ \-.]?\d{4}[ \-.]?\d{4}(?![\d.]\d|\d)"),
    # International numbers written with a leading +country code.
    (
        "phone",
        "[电话]",
        "[phone]",
        r"(?<![\w+])\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]?\d{2,4}){1,4}(?!\d)",
    ),
    # Chinese landlines: 0 + 2-3 digit area code, 7-8 digits, optional extension.
    (
        "phone",
        "[电话]",
        "[phone]",
        r"(?<![\d\-.])(?:\(0\d{2,3}\)|0\d{2,3})[ \-.]?\d{3,4}[ \-.]?\d{4}(?:(?:-|转|ext\.? ?)\d{1,5})?(?![\d\-]|\.\d)",
    ),
    # Service numbers 400/800-xxx-xxxx and North American (xxx) xxx-xxxx / xxx-xxx-xxxx.
    (
        "phone",
        "[电话]",
        "[phone]",
        r"(?<![\d\-])(?:[48]00[ \-]?\d{3}[ \-]?\d{4}|\(\d{3}\) ?\d{3}-\d{4}|\d{3}-\d{3}-\d{4})(?![\d\-])",
    ),
    # WeChat: wxid_… anywhere; an id after 微信/微信号/vx/wechat (6-20 characters, starting with a letter).
    ("wechat", "[微信]", "[wechat]", r"(?<![A-Za-z0-9_])wxid_[A-Za-z0-9_\-]{4,}"),
    (
        "wechat",
        "[微信]",
        "[wechat]",
        r"(?P<keep>(?:微信(?:号|id|ID)?|威信|(?<![A-Za-z])(?:vx|VX|wx|WX|v信|WeChat|wechat|Wechat)(?: ?ID| ?id)?)\s*[:：是为]?\s*)"
        r"[A-Za-z][A-Za-z0-9_\-]{5,19}(?![A-Za-z0-9_\-])",
    ),
    # QQ numbers: 5-11 digits after QQ / QQ号.
    (
        "qq",
        "[QQ]",
        "[QQ]",
        r"(?P<keep>(?<![A-Za-z])[Qq]{2}(?:号|號| ?number| ?no\.?)?\s*[:：是为]?\s*)[1-9]\d{4,10}(?!\d)",
    ),
    # Names introduced as names: 我叫…, 我是(…销售)…, 联系人…, "I am / I'm / my name is / this is" Name.
    (
        "name",
        "[姓名]",
        "[name]",
        rf"(?P<keep>(?:我叫|我姓|本人(?:是|叫)?|联系人(?:是|为)?[:：]?\s*|对接人[:：]?\s*|"
        rf"我是[^，。,.；;！!？?\s（(]{{0,10}}?{_ROLE}?)){_ZH_NAME}{_ZH_END}",
    ),
    # A signature: department or region, then a name, at the end of the text (e-mails: "华东区 李娜").
    (
        "name",
        "[姓名]",
        "[name]",
        rf"(?P<keep>(?:区|部|处|中心|组|科|办)[ \t\u3000]*)(?:{_SURNAMES}){_GIVEN}{_GIVEN}?[ \t。.!！]*$",
    ),
    (
        "name",
        "[姓名]",
        "[name]",
        rf"(?P<keep>\b(?:I am|I['’]m|[Mm]y name is|[Tt]his is|[Cc]all me)\s+)(?!(?:{_EN_NOT_NAME})\b)"
        r"[A-Z][a-z]+(?:[ \-][A-Z][a-z]+)?\b",
    ),
]

# Full-width forms people type on Chinese keyboards: １３７…, ＠, ＋, ．: folded one for one.
_FOLD = str.maketrans(
    {
        chr(c): chr(c - 0xFEE0)
        for c in range(0xFF01, 0xFF5F)
        if chr(c - 0xFEE0).isalnum() or chr(c - 0xFEE0) in "@+-._()"
    }
)
# A cheap test before the built-in patterns: an "@", a run of digits and separators, or a keyword.
_MAYBE = re.compile(
    r"@|\d[\d \-().]{5,}\d|\d{5,}|wxid_|微信|威信|vx|wx|wechat|qq|我叫|我姓|我是|本人|联系人|对接人"
    r"|i am|i['’]m|my name|this is|call me|(?:区|部|处|中心|组|科|办)[ \t\u3000]*[\u4e00-\u9fff]{2,4}\W*$",
    re.I,
)


@lru_cache(maxsize=64)
def _compiled(extra: tuple[tuple[str, str], ...]) -> list[tuple[re.Pattern[str], str, str]]:
    rules = [(re.compile(pat), zh, en) for _, zh, en, pat in _RULES]
    for name, pat in extra:
        try:
            rules.insert(0, (re.compile(pat), f"[{name}]", f"[{name}]"))
        except re.error as exc:
            raise PolicyToolError(
                problem(Code.CONFIG, f"scrub_patterns.{name}: bad regular expression: {exc}", "pyproject.toml", 1)
            ) from exc
    return rules


def scrub(text: str, extra_patterns: dict[str, str] | None = None) -> str:
    """Replace phones, e-mails, ID and bank card numbers, WeChat and QQ ids and introduced names
    (and the site's extra patterns, e.g. ``{"order": r"SO\\d{10}"}`` -> ``[order]``) with typed
    placeholders. Full-width digits and letters are matched as their ASCII twins."""
    extra = tuple(sorted((extra_patterns or {}).items()))
    rules = _compiled(extra)
    folded = text.translate(_FOLD)
    if not _MAYBE.search(folded):  # most questions hold no long number, address or name: skip the built-ins
        rules = rules[: len(extra)]
        if not rules:
            return text
    chinese = is_chinese(text)
    for pattern, zh, en in rules:
        text, folded = _substitute(pattern, zh if chinese else en, text, folded)
    return text


def _substitute(pattern: re.Pattern[str], placeholder: str, text: str, folded: str) -> tuple[str, str]:
    """Replace every match found in ``folded`` in both strings (they have the same length), keeping
    a ``keep`` group (the label before an id) as it was written."""
    out_text, out_folded, last = [], [], 0
    for match in pattern.finditer(folded):
        start = match.start("keep") if "keep" in pattern.groupindex and match.group("keep") else match.start()
        keep_end = (
            match.end("keep")
            if start != match.start() or ("keep" in pattern.groupindex and match.group("keep"))
            else match.start()
        )
        out_text += [text[last:keep_end], placeholder]
        out_folded += [folded[last:keep_end], placeholder]
        last = match.end()
    if not out_text:
        return text, folded
    out_text.append(text[last:])
    out_folded.append(folded[last:])
    return "".join(out_text), "".join(out_folded)


def scrub_value(value: object, extra_patterns: dict[str, str] | None = None) -> object:
    """Scrub every string inside a JSON-like value (record metadata can hold personal data too)."""
    if isinstance(value, str):
        return scrub(value, extra_patterns)
    if isinstance(value, list):
        return [scrub_value(v, extra_patterns) for v in value]
    if isinstance(value, dict):
        return {k: scrub_value(v, extra_patterns) for k, v in value.items()}
    return value


_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>")


_PSEUDONYM = re.compile(r"^a-[0-9a-f]{16}$")


def is_pseudonym(value: str) -> bool:
    """An asker id this tool made (``a-`` + 16 hex digits): re-ingesting an export keeps it."""
    return bool(_PSEUDONYM.match(value))


def public_source_id(source_id: str | None, key: str, extra_patterns: dict[str, str] | None = None) -> str | None:
    """The source's message id as stored and exported: kept when it is a plain id (``q0042``,
    ``1712345678.000200``), a keyed hash when it carries personal data (an e-mail Message-ID holds
    an address; a row id may be a phone number)."""
    if not source_id:
        return None
    if "@" not in source_id and scrub(source_id, extra_patterns) == source_id and len(source_id) <= 64:
        return source_id
    return "h-" + hmac.new(key.encode(), source_id.encode(), hashlib.sha256).hexdigest()[:20]


def pseudonym(name: str, key: str) -> str:
    """A stable pseudonymous id for an asker: HMAC-SHA256 of the casefolded address (or name).

    ``"Lisa Chen <Lisa.Chen@x.com>"`` and ``"lisa.chen@x.com"`` give the same id."""
    found = _ADDRESS.search(name)
    ident = (found.group(1) if found else name).strip().casefold()
    return "a-" + hmac.new(key.encode(), ident.encode(), hashlib.sha256).hexdigest()[:16]
