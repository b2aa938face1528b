"""Tokens for lexical matching of Chinese, English and mixed questions against clauses.

Why each kind of token exists:

* jieba words (search mode) carry the meaning of Chinese text;
* character bigrams survive typos, 错别字 and words jieba does not know;
* single characters (``u:罚``) let a clipped colloquial word meet the full one (罚 / 处罚, 报 /
  报销) — unigram + bigram indexing is the classic recipe of Chinese retrieval;
* Snowball-stemmed English words let "claims"/"claiming" meet "claim";
* pinyin tokens let ``cuanhuo chufa`` (full pinyin) and ``fl``/``zq`` (initials) find 窜货处罚,
  返利, 账期 — staff type these in chat all the time.

Greetings, sign-offs and filler ("王经理您好，打扰一下，想问下…") are removed first so that they
do not drown the real question. jieba's dictionary cache is kept on disk, so a cold start is fast.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from ..text import (
    EN_STOP,
    jieba_tokenizer,
    normalize,  # the one normaliser shared with the inbox
    stemmer,
)
from .glossary import glosses

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_CJK}]+|[a-z][a-z0-9]*(?:['’][a-z]+)?|\d+(?:\.\d+)*%?")
_CJK_RE = re.compile(rf"[{_CJK}]")
UNIGRAM = "u:"  # prefix of single-character tokens

# Greetings, politeness, sign-offs: never what a question is about.
_FILLER_RE = re.compile(
    r"(?:[\u4e00-\u9fff]{1,3}(?:经理|总监|老师|总|姐|哥))?(?:您好|你好|大家好|哈喽|嗨|在吗|在不在|打扰(?:一下|了)?|"
    r"麻烦(?:问|请教)?(?:一下)?|请教(?:一下)?|想(?:问|咨询|了解)(?:一下|下)?|问(?:一下|下)|咨询(?:一下|下)?|"
    r"请问(?:一下)?|谢谢(?:您|你|啦)?|多谢|感谢|辛苦(?:了|啦)?|急急急|急|(?:在线)?等|求助|如题|"
    r"\bhi\b|\bhello\b|\bhey\b|\bdear\b|\bthanks?\b(?: (?:a lot|in advance))?|\bthank you\b|\bregards\b|"
    r"\bbest\b|\bcheers\b|\bplease\b|\bpls\b|\bquick question\b|\bjust checking\b|\bwondering\b)",
    re.I,
)
_SIGNOFF_RE = re.compile(r"(?:[—–-]{1,2}\s*[A-Za-z][\w .]{0,30}|[,，]\s*[A-Z][a-z]+(?: [A-Z][a-z]+)?[,，]?.{0,40})$")

ZH_STOP = frozenset(
    "的 了 吗 呢 啊 吧 呀 嘛 哦 么 是 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 有 没有 和 与 及 或 也 都 就 还 "
    "在 要 会 能 可以 吗 么 一下 下 个 些 什么 怎么 怎么办 怎样 如何 多少 哪些 哪个 为什么 是否 有没有 能否 请 问 "
    "想 知道 一 现在 今年 这样 那么 如果 但是 因为 所以 然后 对 被 把 给 让 从 到 为 以 之 其 该 本 上 中 里 后 前 "
    "吗? 啥 咋 嗯 哈 呗 啦 咯 得 着 过 又 再 才 还是 已经 应该 需要 ， 。".split()
)


# Question and time words whose dictionary senses ("time, length, moment, period") only add noise.
NO_GLOSS = frozenset(
    "时候 什么时候 多少 多久 几号 几月 哪天 怎么样 可不可以 能不能 是不是 一般 大概 还是 已经 时间 问题 "
    "情况 知道 这边 那边 一直 现在 今年 去年 明年 上个月 下个月 本月".split()
)


def strip_filler(text: str) -> str:
    """Drop greetings, politeness and sign-offs; keep the text if nothing else would remain."""
    body = _SIGNOFF_RE.sub(" ", text.strip())
    body = _FILLER_RE.sub(" ", body)
    return body if re.search(r"\w", body) else text


# --- pinyin -----------------------------------------------------------------------------------
_INITIALS = "zh|ch|sh|b|p|m|f|d|t|n|l|g|k|h|j|q|x|r|z|c|s|y|w"
_FINALS = (
    "iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|ia|ie|in|iu|ua|uo|ui|un|ue|ve|a|o|e|i|u|v"
)
_SYLLABLE = rf"(?:(?:{_INITIALS})(?:{_FINALS})|(?:a|o|e|ai|ei|ao|ou|an|en|ang|eng|er))"
_PINYIN_RE = re.compile(rf"^(?:{_SYLLABLE}){{2,4}}$")
_INITIALS_RE = re.compile(r"^[bcdfghjklmnpqrstwxyz]{2,4}$")


@lru_cache(maxsize=65536)
def pinyin_tokens(word: str) -> tuple[str, ...]:
    """``窜货`` -> (``py:cuanhuo``, ``pi:ch``): full pinyin and initials of a Chinese word."""
    if len(word) < 2 or len(word) > 4:
        return ()
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")  # per-character readings: 0.03 s import, not 0.25 s
    from pypinyin import Style, lazy_pinyin  # on first use: importing the module stays cheap

    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    if len(syllables) != len(word):
        return ()
    return (f"py:{''.join(syllables)}", f"pi:{''.join(s[0] for s in syllables)}")


def latin_pinyin(token: str) -> tuple[str, ...]:
    """A Latin token that reads as pinyin (``cuanhuo``) or as initials (``fl``, ``zq``)."""
    if _INITIALS_RE.match(token):
        return (f"pi:{token}",)
    if len(token) >= 4 and _PINYIN_RE.match(token):
        return (f"py:{token}",)
    return ()


# --- tokens -----------------------------------------------------------------------------------
def token_groups(
    text: str, *, filler: bool = True, pinyin: bool = True, gloss: bool = True, initials: bool = True
) -> list[list[str]]:
    """Tokens of a text grouped by what they stand for: a Chinese word with its pinyin and its
    dictionary glosses, a bigram with its pinyin, a character, an English stem with the pinyin it
    may be. A question is scored one group at a time (the group's best token), so a word whose
    pinyin and glosses also match does not outvote the rest of the question five times over.

    ``initials=False`` leaves out the initials of Chinese words (``pi:yt`` for 一天): clauses
    carry them so that a question typed as ``fl`` or ``zq`` finds 返利 and 账期, but a question
    typed in characters only meets unrelated words through them."""
    text = normalize(text)
    if filler:
        text = strip_filler(text)
    jieba = jieba_tokenizer()
    stem = stemmer().stemWord
    groups: list[list[str]] = []
    for match in _RUN_RE.finditer(text):
        run = match.group()
        if _CJK_RE.match(run):
            for word in jieba.lcut_for_search(run, HMM=False):
                if word not in ZH_STOP:
                    group = [word]
                    if pinyin and len(word) > 1:
                        group.extend(pinyin_tokens(word)[: None if initials else 1])
                    if gloss and word not in NO_GLOSS:
                        group.extend(glosses(word))
                    groups.append(group)
            for i in range(len(run) - 1):
                bigram = run[i : i + 2]
                if bigram not in ZH_STOP:  # words jieba does not know (窜货) still meet their pinyin
                    groups.append([bigram, *pinyin_tokens(bigram)[:1]] if pinyin else [bigram])
            # 罚 meets 处罚 and 罚款, 报 meets 报销: colloquial questions drop half a word
            groups.extend([UNIGRAM + ch] for ch in run if ch not in ZH_STOP)
        elif run[0].isdigit():
            groups.append([run])
        else:
            word = run.replace("’", "'").split("'")[0]
            if word in EN_STOP or len(word) < 2:
                continue
            groups.append([stem(word), *latin_pinyin(word)] if pinyin else [stem(word)])
    return groups


def tokenize(text: str, *, filler: bool = True, pinyin: bool = True, gloss: bool = True) -> list[str]:
    """Tokens of a question or clause text (order kept, repeats kept for term frequency)."""
    return [t for group in token_groups(text, filler=filler, pinyin=pinyin, gloss=gloss) for t in group]


def without_unigrams(tokens: list[str]) -> list[str]:
    return [t for t in tokens if not t.startswith(UNIGRAM)]


def rules() -> dict[str, str]:
    """This tokeniser's regular expressions, for the site's search box (``policy-search.js``) to
    run the same rules in the browser; exported here so the two cannot drift apart silently."""
    return {
        "run": _RUN_RE.pattern,
        "cjk": f"[{_CJK}]",
        "filler": _FILLER_RE.pattern,
        "signoff": _SIGNOFF_RE.pattern,
        "initials": _INITIALS_RE.pattern,
        "pinyin_re": _PINYIN_RE.pattern,
    }


def plain_tokens(text: str) -> list[str]:
    """The baseline's tokens: jieba words and lowercase English words, nothing else."""
    jieba = jieba_tokenizer()
    return [w for w in jieba.lcut(normalize(text)) if w.strip() and re.match(r"\w", w)]
