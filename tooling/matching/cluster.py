"""Group asked questions by what they ask — the few dozen things people really want to know.

Three passes, none of them all-pairs, so time grows linearly with the number of questions:

1. exact and near duplicates collapse onto one key (normalised text without greetings,
   punctuation, spaces and emoji), so a question asked 500 times is matched once;
2. each distinct text is matched to the clauses (``Matcher``, batched); questions whose best
   clause is the same form one group — the strongest signal of "same question" — as long as the
   match is at least half as confident as the not-covered threshold (a cluster is ``covered``
   when most of its questions are); injection texts form one flagged group;
3. the other questions (the policy gaps) are grouped by leader clustering over TF-IDF vectors
   of the matching tokens: each joins the most similar existing group above a cosine threshold,
   else starts one; cost is questions x groups, and uncovered groups are few.

Ranking (``score``): each distinct asker counts once, weighted by how recent their latest ask is:
``0.5 ** (age_days / 90)`` with age measured from the newest question in the input (not from
"now", so the order is deterministic); repeat askers add nothing beyond their latest ask.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

from ..text import to_simplified
from .guard import is_injection, strip_markup
from .tokenize import normalize, strip_filler, tokenize

if TYPE_CHECKING:
    from ..catalog import Catalog
    from .answer import Matcher  # the matcher (bm25s, an index) only when a catalogue is given

HALF_LIFE_DAYS = 90.0
GAP_SIMILARITY = 0.35  # cosine to join an uncovered group
SMOOTH_MAX = 20_000  # distinct texts smoothed together (neighbour search is quadratic in this)
SMOOTH_WEIGHT = 0.5  # weight of the neighbours' mean scores
NEIGHBOURS = 5
KEEP = 20  # best documents kept per text while smoothing
GROUP_FACTOR = 0.5  # share of the not-covered threshold above which the best clause groups
_KEY_STRIP = re.compile(r"[\W_]+", re.U)


class QuestionLike(Protocol):
    """What clustering reads of a question: a store's QuestionRecord and a labelled dev question both fit."""

    @property
    def id(self) -> str: ...
    @property
    def asker(self) -> str | None: ...
    @property
    def asked_at(self) -> datetime: ...
    @property
    def text(self) -> str: ...


class Cluster(BaseModel):
    """One thing people ask, with who asked it and where the answer is."""

    id: str
    size: int
    askers: int
    repeat_askers: int
    first_asked: datetime
    last_asked: datetime
    representative: str
    question_ids: list[str]
    clauses: list[str] = Field(default_factory=list)
    covered: bool
    policy: str | None = None
    score: float
    flag: str | None = None  # "injection": texts that instruct the system; review, never answer


def dedupe_key(text: str) -> str:
    """Exact/near-duplicate key: normalised, greetings and punctuation dropped."""
    norm = normalize(text)
    return _KEY_STRIP.sub("", strip_filler(norm)) or _KEY_STRIP.sub("", norm) or norm


def _clarity(text: str, centrality: float) -> float:
    """How good a phrasing is as a cluster's title: central, a full question, plain, not rambling.

    Search-box fragments ("季度返利 入账"), traditional characters, emoji and pinyin shorthand are
    all fine to ask with but worse to publish, so they lose to a plain full question.
    """
    body = strip_filler(text).strip()
    n = len(body)
    score = centrality * (1.0 if 6 <= n <= 40 else (0.6 if n < 6 else max(0.1, 40 / n)))
    if re.search(r"[?？吗么呢]$|^(?:how|what|when|who|where|which|can|do|does|is|are)\b", body, re.I):
        score *= 1.3
    if to_simplified(body) != body:
        score *= 0.8
    if re.search(r"[\U0001F300-\U0001FAFF]|\b[bcdfghjklmnpqrstwxz]{2,3}\b", body, re.I):
        score *= 0.8
    if re.search(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]", body):  # keywords typed into a search box
        score *= 0.6
    return score


def _representative(texts: list[tuple[str, str]]) -> str:
    """The clearest phrasing among (id, text): tokens most shared with the group, sensible length."""
    counts: dict[str, int] = {}
    token_sets = []
    for _, text in texts:
        toks = set(tokenize(text, pinyin=False))
        token_sets.append(toks)
        for t in toks:
            counts[t] = counts.get(t, 0) + 1
    best, best_score = texts[0][1], -1.0
    for (_qid, text), toks in sorted(zip(texts, token_sets), key=lambda p: p[0][0]):
        centrality = sum(counts[t] for t in toks) / (len(toks) + 2) / len(texts) if toks else 0.0
        score = _clarity(text, centrality)
        if score > best_score:
            best, best_score = text, score
    return best


def _leader_groups(items: list[tuple[str, list[str]]], threshold: float = GAP_SIMILARITY) -> dict[str, int]:
    """Leader clustering of (key, tokens) with TF-IDF cosine; O(items x groups)."""
    if not items:
        return {}
    import numpy as np  # on first use: importing the module stays cheap
    from sklearn.feature_extraction.text import TfidfVectorizer  # on first use: importing the module stays cheap

    vec = TfidfVectorizer(analyzer=lambda toks: toks, sublinear_tf=True)
    X = vec.fit_transform([t or ["<empty>"] for _, t in items])
    leaders: list[int] = []
    assign: dict[str, int] = {}
    L = None
    for i, (key, _) in enumerate(items):
        if L is not None:
            sims = (L @ X[i].T).toarray().ravel()
            j = int(np.argmax(sims))
            if sims[j] >= threshold:
                assign[key] = j
                continue
        leaders.append(i)
        assign[key] = len(leaders) - 1
        L = X[leaders]
    return assign


def _best_docs(matcher: Any, texts: list[str]) -> list[tuple[str | None, float, bool, str | None]]:
    """(clause key, confidence, covered, flag) of each distinct text, neighbour-smoothed.

    Paraphrases asked by different people should land on one clause even when a few of them are
    worded too loosely to be matched alone, so each text's document scores are blended with the
    mean scores of its most similar texts (TF-IDF cosine, plus embedding cosine with an encoder)
    before taking the best. Texts are processed in blocks of ``SMOOTH_MAX`` (the neighbour search
    is quadratic within a block) and only each text's ``KEEP`` best documents are kept, so memory
    does not grow with the size of the corpus.
    """
    import numpy as np  # on first use: importing the module stays cheap
    from scipy import sparse  # on first use: importing the module stays cheap

    docs = matcher.index.docs
    out: list[tuple[str | None, float, bool, str | None]] = []
    keep = min(KEEP, len(docs))
    for start in range(0, len(texts), SMOOTH_MAX):
        chunk = [strip_markup(t) for t in texts[start : start + SMOOTH_MAX]]  # the markup is not the question
        cols = np.zeros((len(chunk), keep), dtype=np.int64)
        vals = np.zeros((len(chunk), keep), dtype=np.float32)
        confs = np.zeros((len(chunk), keep), dtype=np.float32)
        embedded = []  # the encoder's query vectors, batch by batch, reused for the neighbours
        tokens: list[list[str]] = []  # and the question tokens (tokenising is most of the cost)
        for i0 in range(0, len(chunk), 256):
            scored = matcher.score(chunk[i0 : i0 + 256])
            for i, (rank, conf) in enumerate(scored.scores, start=i0):
                top = np.argpartition(-rank, keep - 1)[:keep]
                cols[i], confs[i] = top, conf[top]
                vals[i] = rank[top] / max(float(rank[top].max()), 1e-9)
            if scored.vectors is not None:
                embedded.append(scored.vectors)
            tokens += [[t for g in groups for t in g] for groups in scored.groups]
        vectors = np.vstack(embedded) if embedded and sum(map(len, embedded)) == len(chunk) else None
        rows = np.repeat(np.arange(len(chunk)), keep)
        F = sparse.csr_matrix((vals.ravel(), (rows, cols.ravel())), shape=(len(chunk), len(docs)))
        G = F + SMOOTH_WEIGHT * (_neighbours(chunk, matcher, vectors, tokens) @ F) if len(chunk) > 1 else F
        best = np.asarray(G.argmax(axis=1)).ravel()
        for i, text in enumerate(chunk):
            if is_injection(text) or not any(ch.isalnum() for ch in text):  # instructions, or markup alone
                out.append((None, 0.0, False, "injection"))
                continue
            j = int(best[i])
            if vals[i].max() <= 0:
                out.append((None, 0.0, False, None))
                continue
            own = np.flatnonzero(cols[i] == j)
            # a clause picked through the neighbours is only as sure as the text's own weakest kept match
            conf = float(confs[i][own[0]]) if len(own) else float(confs[i].min())
            key = (docs[j].clauses or [docs[j].key])[0]
            out.append((key, conf, conf >= matcher.threshold, None))
    return out


def _neighbours(texts: list[str], matcher: Any, vectors: Any = None, tokens: list[list[str]] | None = None) -> Any:
    """Sparse row-normalised weights of each text's ``NEIGHBOURS`` most similar texts
    (``vectors``, ``tokens``: the texts' query embeddings and tokens when the matcher already
    computed them)."""
    import numpy as np  # on first use: importing the module stays cheap
    from scipy import sparse  # on first use: importing the module stays cheap
    from sklearn.feature_extraction.text import TfidfVectorizer  # on first use: importing the module stays cheap

    X = TfidfVectorizer(analyzer=lambda toks: toks, sublinear_tf=True, dtype=np.float32).fit_transform(
        [
            t or ["<empty>"]
            for t in (tokens if tokens is not None and len(tokens) == len(texts) else map(matcher.index.tokens, texts))
        ]
    )
    if matcher.encoder is None:
        vectors = None
    elif vectors is None or len(vectors) != len(texts):
        vectors = matcher.encoder.queries(texts)
    k = min(NEIGHBOURS, len(texts) - 1)
    rows, cols, weights = [], [], []
    for start in range(0, len(texts), 1024):
        sim = (X[start : start + 1024] @ X.T).toarray()
        if vectors is not None:
            sim = 0.5 * sim + 0.5 * np.clip((vectors[start : start + 1024] @ vectors.T - 0.8) / 0.2, 0, 1)
        local = np.arange(sim.shape[0])
        sim[local, local + start] = 0
        nn = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        w = np.take_along_axis(sim, nn, axis=1)
        w = w / np.maximum(w.sum(axis=1, keepdims=True), 1e-9)
        rows.append(np.repeat(local + start, k))
        cols.append(nn.ravel())
        weights.append(w.ravel())
    return sparse.csr_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(len(texts), len(texts))
    )


def cluster_questions(
    records: Iterable[QuestionLike],
    catalog: Catalog | None = None,
    matcher: Matcher | None = None,
    policy: str | None = None,
) -> list[Cluster]:
    """Cluster question records (store records, labelled dev questions: anything with id, asker,
    asked_at, text), best-ranked first.

    ``catalog`` (or a ready ``matcher``) links groups to clauses; without either, questions are
    grouped by text similarity only. ``policy`` keeps the clusters whose primary policy it is.
    """
    records = list(records)
    if not records:
        return []
    if matcher is None and catalog is not None:
        from .answer import Matcher  # the matcher (bm25s, an index) only when a catalogue is given

        matcher = Matcher.open(catalog.root, catalog)
    by_key: dict[str, list[Any]] = {}
    for record in records:
        by_key.setdefault(dedupe_key(record.text), []).append(record)
    keys = sorted(by_key)
    texts = [by_key[k][0].text for k in keys]
    group_of: dict[str, str] = {}
    gaps: list[tuple[str, list[str]]] = []
    covered_keys: dict[str, bool] = {}
    if matcher is not None:
        for key, (doc, confidence, covered, flag) in zip(keys, _best_docs(matcher, texts)):
            covered_keys[key] = covered
            if flag:
                group_of[key] = f"flag:{flag}"
            # a weak match still groups (half the threshold): the clause is a strong "same question" signal
            elif doc is not None and confidence >= GROUP_FACTOR * matcher.threshold:
                group_of[key] = f"clause:{doc}"
            else:
                gaps.append((key, tokenize(by_key[key][0].text)))
    else:
        gaps = [(k, tokenize(by_key[k][0].text)) for k in keys]
    for key, gid in _leader_groups(gaps).items():
        group_of[key] = f"gap:{gid}"
    members: dict[str, list[Any]] = {}
    for key in keys:
        members.setdefault(group_of[key], []).extend(by_key[key])
    newest = max(r.asked_at for r in records)
    covered_of = {r.id: covered_keys.get(k, False) for k in keys for r in by_key[k]}
    clusters = [make_cluster(gid, recs, newest, covered_of) for gid, recs in members.items()]
    if policy:
        clusters = [c for c in clusters if c.policy == policy.upper()]
    clusters.sort(key=lambda c: (-c.score, -c.size, c.id))
    return clusters


def make_cluster(gid: str, recs: list[Any], newest: datetime, covered_of: dict[str, bool]) -> Cluster:
    """A cluster of ``recs``; ``gid`` is ``clause:KEY``, ``flag:NAME`` or any other group name."""
    recs = sorted(recs, key=lambda r: (r.asked_at, r.id))
    latest: dict[str, datetime] = {}
    asks: dict[str, int] = {}
    for r in recs:
        who = r.asker or f"anonymous:{r.id}"
        asks[who] = asks.get(who, 0) + 1
        latest[who] = max(latest.get(who, r.asked_at), r.asked_at)
    score = sum(0.5 ** (max((newest - t).total_seconds(), 0) / 86400 / HALF_LIFE_DAYS) for t in latest.values())
    key = gid.removeprefix("clause:") if gid.startswith("clause:") else None
    ids = [r.id for r in recs]
    flag = gid.removeprefix("flag:") if gid.startswith("flag:") else None
    return Cluster(
        id="c" + hashlib.sha1("|".join(sorted(ids)).encode()).hexdigest()[:10],
        size=len(recs),
        askers=len(asks),
        repeat_askers=sum(1 for n in asks.values() if n > 1),
        first_asked=recs[0].asked_at,
        last_asked=recs[-1].asked_at,
        representative=_representative([(r.id, r.text) for r in recs[:200]]),
        question_ids=ids,
        clauses=[key] if key else [],
        covered=key is not None and 2 * sum(covered_of[i] for i in ids) >= len(ids),
        policy=key.split()[0] if key else None,
        score=round(score, 4),
        flag=flag,
    )
