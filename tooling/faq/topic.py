"""The topic check: is an answer about what its question asks?

The figure check (:mod:`.grounding`) cannot see a wrong answer whose figures are right: 返利有没有
有效期 answered from 折扣批复自审批通过之日起30天内有效 passes it, because 30天 is in that clause.
The topic check asks whether the question's *key terms* are in the cited clauses:

* key terms are the question's words (jieba nouns and verbs, English stems) that name a topic of
  this policy: found in at least one of its clauses, and in few of them (at most ``GENERIC`` of
  them, or two: 公司, 申请, trip or expense say nothing about which clause answers);
* an answer is off topic when some single clause holds the key terms (weighted by rarity) at
  least ``BETTER`` times as well as the cited clauses do (返利有没有有效期 cited to a clause that says
  有效 but not 返利, while another says both);
* a term is found in a clause when its text or title holds it, or a part of it (有效期 → 有效),
  or, across languages, through the glossary (a Chinese question about an English clause meets
  it by the dictionary senses of its words; between two Chinese words the dictionary is too
  loose to count: 返利 and 折扣 are both "rebate");
* words found nowhere in the policy are no evidence either way (the asker's own vocabulary).

An answer whose cited clauses miss a key term is flagged ``:unsupported-topic:`` for the
reviewer; the drafter uses the same test to keep each entry's questions to those it answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from ..matching.glossary import glosses
from ..matching.tokenize import EN_STOP, NO_GLOSS, ZH_STOP, jieba_tokenizer, normalize, stemmer, strip_filler

BETTER = 2.0  # a clause this many times better on the key terms makes the cited ones off topic
GENERIC = 0.3  # a term in more than this share of the policy's clauses names no topic
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z][a-z'’-]+")
# Words of asking, not of topics (the question kinds of .extract, and the usual fillers).
_ASKING = frozenset(
    "时候 什么时候 多少 多久 几号 几月 几天 哪天 怎么样 可不可以 能不能 是不是 会不会 要不要 需不需要 有没有 "
    "怎么 如何 怎样 一下 请问 麻烦 谢谢 可以 能够 需要 是否 还是 一般 大概 到底 具体 规定 政策 问题 情况 "
    "知道 这边 那边 现在 今年 不是 不会 不能 必须 应该 多长 以后 之后 之前 时间 怎么办 怎么算 算不算 行不行 "
    "吗 呢 么 啊 "
    # comparisons say how much, not what about (超过3天 asks the approval clause too)
    "超过 超出 以上 以下 以内 不满 不足 低于 高于 少于 多于 达到 不到 最多 最少 最高 最低".split()
)


# jieba part-of-speech classes that never name a topic: numerals and measures (一个, 几天),
# pronouns (自己), place and time words (期间, 当天), conjunctions, particles, adverbs, adjectives.
_NOT_TOPICS = frozenset("mqrftcudpyeoal")
# what scrubbing put in place of personal data ([姓名], [phone]): never a topic
_PLACEHOLDER = re.compile(r"\[[^\[\]\s]{1,16}\]")


@lru_cache(maxsize=1)
def _posseg():
    """jieba's part-of-speech tagger on the dictionary the matcher's tokenizer uses."""
    jieba_tokenizer()
    import jieba.posseg  # on first use: importing the module stays cheap

    return jieba.posseg.dt


def _stem(word: str) -> str:
    return stemmer().stemWord(word)


@lru_cache(maxsize=50_000)
def key_words(question: str) -> tuple[str, ...]:
    """The question's candidate topic words: jieba words of two or more characters and English
    stems, without stop words and words of asking; in order, no repeats."""
    text = _PLACEHOLDER.sub(" ", strip_filler(normalize(question)))
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        for pair in _posseg().lcut(run, HMM=True):
            word = pair.word
            if (
                len(word) >= 2
                and pair.flag[:1] not in _NOT_TOPICS
                and word not in ZH_STOP
                and word not in _ASKING
                and word not in out
            ):
                out.append(word)
    for word in _LATIN.findall(_CJK_RUN.sub(" ", text)):
        word = word.replace("’", "'").split("'")[0]
        if len(word) > 2 and word not in EN_STOP:
            stem = _stem(word)
            if stem not in out:
                out.append(stem)
    return tuple(out)


@dataclass
class _Text:
    """A clause's text made ready for term lookups."""

    text: str
    stems: set[str] = field(default_factory=set)  # English stems and glosses of its Chinese words
    chinese: bool = False

    @classmethod
    def of(cls, text: str) -> _Text:
        norm = normalize(text)
        stems = {_stem(w.replace("’", "'").split("'")[0]) for w in _LATIN.findall(_CJK_RUN.sub(" ", norm))}
        for run in _CJK_RUN.findall(norm):
            for word in jieba_tokenizer().lcut(run, HMM=False):
                if len(word) >= 2 and word not in NO_GLOSS:
                    stems.update(glosses(word))
        return cls(norm, stems, bool(_CJK_RUN.search(norm)))


def _parts(word: str) -> tuple[str, ...]:
    """A Chinese word and its parts of two characters or more (有效期 → 有效期, 有效)."""
    if not _CJK_RUN.fullmatch(word):
        return (word,)
    return tuple(
        dict.fromkeys(
            [word, *(w for w in jieba_tokenizer().lcut_for_search(word, HMM=False) if len(w) >= 2 and w not in ZH_STOP)]
        )
    )


def _found(word: str, where: _Text) -> bool:
    if _CJK_RUN.fullmatch(word):
        if any(part in where.text for part in _parts(word)):
            return True
        if where.chinese:  # between Chinese words the dictionary is too loose (返利 and 折扣 are both "rebate")
            return False
        senses = set(glosses(word)) if word not in NO_GLOSS else set()
        return bool(senses & where.stems)
    return word in where.stems or re.search(rf"\b{re.escape(word)}", where.text) is not None


class TopicIndex:
    """The clauses of one policy, ready for the topic check of many questions."""

    def __init__(self, clauses: Iterable[tuple[str, str, bool]]) -> None:
        """``clauses``: (key, title + text, is it a leaf) of every clause of the policy. Word
        counts and the best clause come from the leaves: a section's text holds its children's."""
        clauses = list(clauses)
        self.texts = {key: _Text.of(text) for key, text, _ in clauses}
        self.leaves = {key: self.texts[key] for key, _, leaf in clauses if leaf} or self.texts

    def weights(self, question: str) -> dict[str, float]:
        """The question's key terms with their weight, ``log(N / clauses holding it)``: the words
        that name a topic of this policy (see the module docstring)."""
        n = len(self.leaves)
        out = {}
        for word in key_words(question):
            df = sum(_found(word, t) for t in self.leaves.values())
            if 0 < df <= max(2, GENERIC * n):
                out[word] = math.log(n / df)
        return out

    def missing(self, question: str, keys: Iterable[str]) -> list[str]:
        """Key terms of ``question`` the clauses ``keys`` lack while another clause of the policy
        holds them, when they weigh enough to make that clause the better answer: ``[]`` = on topic.

        Off topic means some single clause covers the question's key terms at least ``BETTER``
        times as well as the cited clauses together. Terms no clause holds, and questions whose
        words the policy does not use, are never held against an answer."""
        weights = self.weights(question)
        cited = [self.texts[k] for k in keys if k in self.texts]
        if not weights:
            return []
        have = {w for w in weights if any(_found(w, t) for t in cited)}
        # half a word: a character of a Chinese term in the clause (罚款 and 扣罚, 补助 and 补贴)
        half = {
            w
            for w in weights
            if w not in have and _CJK_RUN.fullmatch(w) and any(ch in t.text for t in cited for ch in w)
        }
        own = sum(weights[w] for w in have) + 0.5 * sum(weights[w] for w in half)
        best_key, best = self._best(weights)
        if best <= 0 or own > best / BETTER:
            return []
        return [w for w in weights if w not in have and _found(w, self.texts[best_key])]

    def _best(self, weights: dict[str, float]) -> tuple[str, float]:
        return max(
            ((k, sum(v for w, v in weights.items() if _found(w, t))) for k, t in self.leaves.items()),
            key=lambda p: p[1],
        )

    def elsewhere(self, question: str, keys: list[str]) -> str | None:
        """The clause of another policy that holds the question's key terms much better than
        ``keys`` do (:meth:`missing` over this index), or None. For an index of several policies:
        出差请客户吃饭能报吗 filed under a sales clause that only shares 客户 belongs to travel."""
        if not keys or not self.missing(question, keys):
            return None
        best = self._best(self.weights(question))[0]
        return best if best.split()[0] != keys[0].split()[0] else None

    def partner(self, question: str, key: str, accept=lambda other: True) -> str | None:
        """The clause that, with ``key``, answers ``question`` when neither does alone: each holds
        a key term of the question that the other lacks (a city's tier in one clause, the rate
        in another), together they leave nothing missing, and no clause holds as much alone.
        Of several, the one holding most of what ``key`` lacks that ``accept`` takes; else None."""
        weights = self.weights(question)
        if key not in self.texts or not weights:
            return None
        mine = {w for w in weights if _found(w, self.texts[key])}
        if not mine:
            return None

        def held(k: str, words) -> float:
            return sum(weights[w] for w in words if _found(w, self.leaves[k]))

        alone = max(held(k, weights) for k in self.leaves)  # a clause that answers it alone: misfiled
        for other in sorted(self.leaves, key=lambda k: (-held(k, set(weights) - mine), -held(k, weights), k)):
            theirs = {w for w in weights if _found(w, self.leaves[other])}
            if not (theirs - mine):
                break  # the rest hold nothing key lacks
            if (
                other != key
                and mine - theirs
                and not self.missing(question, [key, other])
                and alone < sum(weights[w] for w in mine | theirs)
                and accept(other)
            ):
                return other
        return None


def topic_index(catalog, policy_id: str | None = None) -> TopicIndex:
    """The topic index of one policy of a catalog, or of all its policies (``None``)."""
    clauses = [c for c in catalog.clauses if policy_id is None or c.policy == policy_id]
    parents = {c.parent for c in clauses}
    return TopicIndex((c.key, f"{c.title or ''}\n{c.text}", c.key not in parents) for c in clauses)
