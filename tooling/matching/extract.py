"""Extractive answers: the clause sentence that answers a question, and the short answer it gives.

An answer people can act on opens with what was asked (不能, the number, the deadline, who), then
the rule it rests on. Offline, nothing may be invented, so both come from the clause:

* the clause is cut into sentences and table rows (:func:`pieces`);
* each is scored against the question: shared words, weighted by how rare they are in the
  clause, plus what the question's *kind* asks for: a figure for "how much / how long / when",
  an approver or owner for "who", a permission or prohibition for yes/no;
* the best sentence (and the next one when it only continues it) is the quote;
* for a yes/no question the short answer is the quote's polarity (不能 / 可以 / 需要, No / Yes),
  and only when the quote says so unambiguously; otherwise the quote itself leads.

The same functions give ``policy answer`` its quoted sentence, so the FAQ and the CLI agree.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Literal

from ..text import is_chinese
from .grounding import figures
from .tokenize import EN_STOP, ZH_STOP, jieba_tokenizer, normalize, stemmer

Kind = Literal["yesno", "amount", "when", "who", "how", "other"]

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?|[^.\n]+(?:\.(?!\d)|$)")
_EN_SENTENCE = re.compile(r"[^.;!?\n]+(?:[.;!?](?!\d)|$)")

_KINDS: list[tuple[Kind, re.Pattern[str]]] = [
    (
        "who",
        re.compile(r"谁|哪个部门|哪位|哪个领导|找哪|\bwho(?:m|se)?\b|which (?:department|team|manager|person)", re.I),
    ),
    (
        "when",
        re.compile(
            r"什么时候|何时|哪天|几号|几月|哪个月|多久|多长时间|几天|期限|截止|\bwhen\b|how (?:long|soon|many days)"
            r"|deadline|by what date|within how",
            re.I,
        ),
    ),
    (
        "amount",
        re.compile(
            r"多少|几|最多|最少|最高|最低|\bhow (?:much|many)\b"
            r"|\bwhat(?:'s| is| are)\b.*\b(?:rate|cap|limit|maximum|minimum|allowance|amount|price|fee|cost)s?\b",
            re.I,
        ),
    ),
    (
        "yesno",
        re.compile(
            r"吗[？?。!！\s]*$|能不能|可不可以|是不是|是否|能否|可否|有没有|要不要|需不需要|会不会|行不行|允许|算不算"
            r"|^\s*(?:can|could|may|is|are|am|do|does|did|should|will|would|must|shall|has|have)\b",
            re.I,
        ),
    ),
    ("how", re.compile(r"怎么|如何|怎样|流程|手续|\bhow\b|what (?:do|should) i", re.I)),
]
_NEG = re.compile(
    r"不得|不能|不可|不予|禁止|不接受|不允许|不支持|不兑换|不单独|不计|不再|不享受|不报销|不适用|一律不|严禁|无权"
    r"|\b(?:may not|must not|cannot|can't|not (?:be )?(?:allowed|permitted|reimbursed|eligible|covered|accepted))\b"
    r"|\bnever\b",
    re.I,
)
_ASKS_NEED = re.compile(r"要不要|需不需要|需要|必须|用不用|\b(?:need|have) to\b|\bmust\b|\brequired?\b", re.I)
# A sentence that leans on another one ("so these are not reimbursed") says nothing alone.
_ANAPHOR = re.compile(r"\b(?:these|those|they|this|it|such)\b|上述|前述|此类|该等|以上", re.I)
_NEED = re.compile(r"须|必须|应当|应|需|需要|要求|\bmust\b|\brequires?\b|\bneeds?\b|\bshall\b|\bhave to\b", re.I)
_PERMIT = re.compile(
    r"可以|(?<![认许])可(?!能)|允许|有权|准予|予以|\bmay\b|\bcan\b|\ballowed\b|\bpermitted\b|\beligible\b|\bare reimbursed\b"
    r"|\bis reimbursed\b|\bentitled\b",
    re.I,
)
_ROLE = re.compile(
    r"由[^，。；]{1,14}(?:审批|批准|负责|确认|核算|办理|提交|签字|审核)|经[^，。；]{1,14}(?:审批|批准|同意|确认)"
    r"|(?:经理|总监|主管|负责人|财务|人力|法务|销售管理部|部门|总经理|副总裁|领导)"
    r"|\b(?:approv\w*|manager|director|finance|hr|head|vp|ceo|cfo|supervisor|responsible)\b",
    re.I,
)
_CONTINUES = re.compile(
    r"^(?:但|但是|其中|如|如果|否则|此外|另外|同时|超过|未|逾期|however|but|otherwise|if|unless|in that case)", re.I
)


_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z]+|\d+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_OPENS_LIST = re.compile(r"[：:]\s*\S.*[；;]$|[：:]$")
_FIRST = re.compile(r"^.*?(?:[。！？!?](?!\d)|\.(?:\s|$)|$)", re.S)
_ROLE_SPAN = re.compile(r"\{clause\}`([^`]*)`")


def first_sentence(text: str, show=lambda key: key) -> str:
    """The first sentence of an answer as a reader sees it: each ``{clause}`KEY``` role shown as
    ``show(KEY)`` (the key itself by default)."""
    text = _ROLE_SPAN.sub(lambda m: show(m.group(1)), text).strip()
    found = _FIRST.match(text) if text else None
    return found.group().strip() if found else ""


def opening(text: str, show=lambda key: key) -> str:
    """What a reply quotes of an answer: its first sentence, and the next one too when the first
    is a bare yes or no (``不能。``, ``Yes.``), which says nothing without its rule."""
    first = first_sentence(text, show)
    if len(first) > 6:
        return first
    rest = _ROLE_SPAN.sub(lambda m: show(m.group(1)), text).strip()[len(first) :].strip()
    found = _FIRST.match(rest) if rest else None
    second = found.group().strip() if found else ""
    return f"{first}{'' if is_chinese(first) else ' '}{second}".strip()


def question_kind(question: str) -> Kind:
    """What the question asks for. The first kind whose words it uses, in the order who, when,
    amount, yes/no, how: "谁来审批？" is who, "多久内要提交？" when, "能报多少？" amount."""
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return "other"


def pieces(text: str) -> list[str]:
    """Sentences of prose and rows of tables (``a | b | c`` → ``a：b，c``), in document order."""
    return [piece for piece, _ in _pieces(text)]


def _pieces(text: str) -> list[tuple[str, bool]]:
    """(piece, is a table row) of :func:`pieces`."""
    out: list[tuple[str, bool]] = []
    header: list[str] | None = None
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        if " | " in line:
            cells = [c.strip() for c in line.split(" | ")]
            if header is None:
                header = cells
                continue
            zh = is_chinese(line)
            pairs = [f"{h}{'' if zh else ' '}{c}" if h else c for h, c in zip(header[1:], cells[1:])]
            out.append((f"{cells[0]}：{'，'.join(pairs)}；" if zh else f"{cells[0]}: {', '.join(pairs)};", True))
            continue
        header = None
        pattern = _SENTENCE if is_chinese(line) else _EN_SENTENCE
        out += [(s.strip(), False) for s in pattern.findall(line) if s.strip()]
    return out


def _word_groups(text: str) -> list[frozenset[str]]:
    """Each word of ``text`` with its parts (经销商: 经销商, 经销), so that one shared word counts
    once however many of its parts are shared; English words as stems. No stop words."""
    text = normalize(text)
    jieba, stem = jieba_tokenizer(), stemmer().stemWord
    out: list[frozenset[str]] = []
    for run in _RUN.findall(text):
        if _CJK.match(run):
            for word in jieba.lcut(run, HMM=False):
                parts = {w for w in jieba.lcut_for_search(word, HMM=False) if len(w) >= 2 and w not in ZH_STOP}
                if parts:
                    out.append(frozenset(parts))
        elif run.isdigit() or (len(run) >= 2 and run not in EN_STOP):
            out.append(frozenset({run if run.isdigit() else stem(run)}))
    return out


def _rows(table_text: str) -> list[tuple[set[str], str]]:
    """(the words that tell its label from the other rows' labels, the row as quoted) of each
    table row: "Tier 2 city" → {2}, beside "Tier 1 city"."""
    labelled = [(piece, piece.split("：" if "：" in piece else ":", 1)[0]) for piece, row in _pieces(table_text) if row]
    if len(labelled) < 2:
        return []
    words = [_words(label) for _, label in labelled]
    common = set.intersection(*words)
    return [(w - common, piece) for w, (piece, _) in zip(words, labelled) if w - common]


def row_named(table_text: str, sentence: str) -> str | None:
    """The row of ``table_text``'s table that ``sentence`` names ("Tier 2: Xiamen…" names the
    Tier 2 row), when it names exactly one."""
    have = _words(sentence)
    named = [piece for distinct, piece in _rows(table_text) if distinct <= have]
    return named[0] if len(named) == 1 else None


def looks_up(question: str, table_text: str, other_text: str) -> bool:
    """Does ``other_text`` say which row of ``table_text``'s table the question is about? True
    when one of its sentences names a row (Tier 2) together with a word of the question that
    the table's clause lacks (Chengdu): "the daily allowance in Chengdu" is then answered by the
    table row and that sentence together."""
    if not _rows(table_text):
        return False
    own = _words(table_text)
    asked = {w for w in _words(question) if w not in own}
    return any(asked & _words(s) and row_named(table_text, s) for s in pieces(other_text))


def _words(text: str) -> set[str]:
    return {w for group in _word_groups(text) for w in group}


def time_figures(sentence: str) -> list[str]:
    """The dates and durations of a sentence (a "when" question wants one; 13% is not a time)."""
    return [f.value for f in figures(sentence) if f.kind in ("date", "duration")]


def _fits(kind: Kind, sentence: str) -> float:
    """How well a sentence gives what a question of ``kind`` asks for (0 to 1)."""
    if kind == "amount":
        return 1.0 if figures(sentence) else 0.0
    if kind == "when":
        return 1.0 if time_figures(sentence) else 0.0
    if kind == "who":
        return 1.0 if _ROLE.search(sentence) else 0.0
    if kind == "yesno":
        return 1.0 if (_NEG.search(sentence) or _NEED.search(sentence) or _PERMIT.search(sentence)) else 0.0
    if kind == "how":
        return 0.5 if (_NEED.search(sentence) or _ROLE.search(sentence)) else 0.0
    return 0.0


# What giving the asked-for thing is worth, in rare shared words: an answer to "how much" or
# "when" without a figure, or to "who" without a role, is no answer, so those weigh a full word.
_FIT_WEIGHT: dict[Kind, float] = {"amount": 1.0, "when": 1.0, "who": 1.0, "yesno": 0.5, "how": 0.5, "other": 0.0}


def rank_sentences(question: str, text: str, title: str | None = None) -> list[tuple[float, int, str]]:
    """(score, position, sentence) of every sentence of ``text``, best first.

    Each word of the question counts once, by the rarity among the clause's sentences of the
    rarest of its parts that the sentence has (a word every sentence has tells nothing); a
    sentence that gives what the question's kind asks for gains a word (a figure, a role) or
    half of one (a permission, a duty)."""
    sents = pieces(text)
    if not sents:
        return []
    kind = question_kind(question)
    titled = _words(title or "")  # the title's words are in every sentence's context
    asked = [g for g in _word_groups(question) if not g & titled]
    bags = [_words(s) for s in sents]
    df = Counter(w for bag in bags for w in bag)
    n = len(sents)
    out = []
    for i, (sent, bag) in enumerate(zip(sents, bags)):
        overlap = sum(max((math.log(1 + n / df[w]) for w in group & bag), default=0.0) for group in asked)
        score = overlap + _FIT_WEIGHT[kind] * math.log(1 + n) * _fits(kind, sent) - 0.01 * i
        out.append((score, i, sent))
    return sorted(out, key=lambda t: (-t[0], t[1]))


def quote(question: str, text: str, title: str | None = None, limit: int = 160) -> str:
    """The clause sentence(s) that answer ``question``, in the clause's words: the best sentence,
    and the one after it when that only continues it (但…, 超过…, However…) and room is left;
    a sentence that opens a list (``…须同时满足：A；``) is followed by the list's items; a branch
    of a sentence (``3天以内的…；3天以上的…``) comes with its other branches when the question
    states a figure the branch does not (5天: which branch holds is the reader's to see); a table
    row stands alone when the question names it, and the table's rows all come when it names
    none of them (the daily allowance, asked of a table by city tier, for a city it lists not)."""
    ranked = rank_sentences(question, text, title)
    if not ranked:
        return ""
    parts = _pieces(text)
    sents = [piece for piece, _ in parts]
    score, i, best = ranked[0]
    chosen = [best]
    table = _table_around(parts, i)
    run = _run_around(parts, i)
    asked = {f.value for f in figures(question)}
    if len(table) > 1 and any(j != i and s > score - 0.05 for s, j, _ in ranked if j in table):
        rows = [sents[j] for j in table]
        if sum(map(len, rows)) <= 2 * limit:
            chosen = rows
    elif len(run) > 1 and asked - {f.value for f in figures(best)} and sum(len(sents[j]) for j in run) <= 2 * limit:
        # "3天以内的由部门经理审批；3天以上的须经…" asked of 5天: which branch is the reader's to see
        chosen = [sents[j] for j in run]
    elif i + 1 < len(sents) and _CONTINUES.match(sents[i + 1]) and len(best) + len(sents[i + 1]) <= limit:
        chosen.append(sents[i + 1])
    elif _OPENS_LIST.search(best) and not parts[i][1]:  # "须同时满足：A；B；C。": the conditions are the answer
        for nxt in sents[i + 1 :]:
            if sum(map(len, chosen)) + len(nxt) > limit:
                break
            chosen.append(nxt)
            if not nxt.rstrip().endswith(("；", ";")):
                break
    joiner = "" if is_chinese(best) else " "
    return joiner.join(s.strip() for s in chosen).rstrip("；;，,:：")


def _run_around(parts: list[tuple[str, bool]], i: int) -> list[int]:
    """Positions of the prose pieces joined to piece ``i`` by semicolons: one sentence's branches."""
    if parts[i][1]:
        return []

    def joined(k: int) -> bool:  # piece k runs on into piece k + 1
        return (
            k + 1 < len(parts)
            and not parts[k][1]
            and not parts[k + 1][1]
            and parts[k][0].rstrip().endswith(("；", ";"))
        )

    start, end = i, i
    while start > 0 and joined(start - 1):
        start -= 1
    while joined(end):
        end += 1
    return list(range(start, end + 1))


def _table_around(parts: list[tuple[str, bool]], i: int) -> list[int]:
    """Positions of the rows of the table that piece ``i`` is a row of (empty when it is prose)."""
    if not parts[i][1]:
        return []
    start, end = i, i
    while start > 0 and parts[start - 1][1]:
        start -= 1
    while end + 1 < len(parts) and parts[end + 1][1]:
        end += 1
    return list(range(start, end + 1))


# The verb a Chinese yes/no question turns on, and the yes and no that mirror it (能退货吗 → 可以 /
# 不能; 会影响吗 → 会 / 不会); the rightmost one is the question's (没有质量问题能退货吗 asks 能).
_ZH_MODALS = [
    (re.compile(r"能不能|能否|可不可以|可否|可以|能"), ("可以。", "不能。")),
    (re.compile(r"会不会|会"), ("会。", "不会。")),
    (re.compile(r"要不要|需不需要|需要|必须|用不用|要"), ("需要。", "不需要。")),
    (re.compile(r"有没有|有"), ("有。", "没有。")),
    (re.compile(r"算不算|(?<![按来计怎])算"), ("算。", "不算。")),  # 算违规吗, not 按次数算吗 (calculated)
    (re.compile(r"是不是|是否"), ("是。", "不是。")),
]
_CHOICE = re.compile(r"还是|或者|\bor\b|\beither\b|\bwhether\b", re.I)


def _zh_modal(question: str) -> tuple[str, str] | None:
    best: tuple[int, tuple[str, str]] | None = None
    for pattern, answers in _ZH_MODALS:
        for m in pattern.finditer(question):
            if best is None or m.start() > best[0]:
                best = (m.start(), answers)
    return best[1] if best else None


def short_answer(question: str, quoted: str) -> str:
    """The yes or no of a yes/no question, from its quote (``不能。``, ``需要。``, ``No.``), or ``""``.

    Only when it is safe to say: the question is a yes/no question and not a choice (A 还是 B),
    the quote shares a word with the question (a sentence about something else proves nothing)
    and stands alone (no "these", 上述), and its polarity is plain: it forbids (不得, may not), or
    it permits without also forbidding, or it requires and the question asks whether one must.
    A Chinese answer mirrors the question's verb (能 → 可以 / 不能)."""
    if question_kind(question) != "yesno" or not quoted or _CHOICE.search(question):
        return ""
    if not (_words(question) & _words(quoted)) or _ANAPHOR.search(quoted):
        return ""
    quoted = _OPENS_LIST.split(pieces(quoted)[0] if pieces(quoted) else quoted)[0]  # the rule, not its list items
    zh = is_chinese(quoted)
    modal = _zh_modal(question) if zh else ("Yes.", "No.")
    if modal is None:
        return ""
    yes, no = modal
    if _NEG.search(quoted):
        rest = _NEG.sub("", quoted)
        if zh and re.search(r"[，,；;]\s*(?:但|可|可以)", quoted) or (not zh and _PERMIT.search(rest)):
            return ""  # "不得…，但可…": both; the quote says it better than one word
        return no
    if _PERMIT.search(quoted) or (_NEED.search(quoted) and _ASKS_NEED.search(question)):
        return yes  # "须…" answers "do I need to", not "will it" or "can I"
    return ""
