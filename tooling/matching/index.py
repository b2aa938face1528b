"""The search index over clauses and approved FAQ entries, built once and cached on disk.

Documents are the answering units people are sent to: leaf clauses (a section's own text when it
has sub-clauses, an article with its items) and approved FAQ entries (question + answer). Each
document is indexed with its title (twice: titles name what a clause is about), the titles of its
parents and its policy title. The lexical side is BM25 (bm25s); the optional semantic side is a
matrix of sentence embeddings. Both are pickled under ``ROOT/.policy-cache/`` keyed by a hash of
the policy and FAQ files, the settings that matter and this module's format version, so an edit
to any policy or FAQ page rebuilds the index and nothing else does.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from ..cache import cache_dir, code_fingerprint, write_atomic
from ..catalog import Catalog, source_digest
from ..faqpage import FaqEntry, approved_entries
from ..models import Clause, ClauseKind
from .semantic import Encoder, get_encoder
from .tokenize import UNIGRAM, plain_tokens, token_groups, tokenize

FORMAT = 8  # the pickle layout (token and document changes are caught by the code hash)
# A single character says less than a word: its BM25 matches count at this weight (dev set,
# lexical top-1: 0.621 without unigrams, 0.653 at 0.5, 0.675 at 1.0 — but at 1.0 generic
# characters such as 标/准 pull questions about an English policy onto a Chinese clause).
UNIGRAM_WEIGHT = 0.5


class MatchDoc(BaseModel):
    """One answering unit: a clause or an approved FAQ entry."""

    kind: str  # clause | faq
    key: str  # "SALES 4.2" or a FAQ id
    title: str
    url: str
    policy: str | None = None
    policy_title: str = ""
    owner: str = ""
    language: str = "zh"
    number: str = ""
    clause_kind: str = "section"
    clauses: list[str] = Field(default_factory=list)  # for FAQ entries: the clauses they cite
    text: str = ""  # what the encoder reads


@dataclass
class MatchIndex:
    docs: list[MatchDoc]
    bm25: Any  # bm25s.BM25 (untyped)
    vocab: dict[str, int]
    idf: np.ndarray
    k1: float
    encoder: str | None = None
    embeddings: np.ndarray | None = None  # one row per document
    sentence_embeddings: np.ndarray | None = None  # one row per sentence passage
    sentence_owner: np.ndarray | None = None  # document of each sentence row (sorted)
    owners: dict[str, str] = field(default_factory=dict)  # policy id -> owner
    plain: bool = False  # the plain-BM25 baseline's tokens
    format: int = FORMAT  # how sentence passages were cut

    def tokens(self, text: str) -> list[str]:
        """A question's tokens (see ``groups``)."""
        return [t for group in self.groups(text) for t in group]

    def groups(self, text: str) -> list[list[str]]:
        """A question's tokens grouped as it is scored (one group per baseline token); no initials
        for words written in characters (dev set, lexical top-1 0.704 -> 0.717)."""
        return [[t] for t in plain_tokens(text)] if self.plain else token_groups(text, initials=False)

    def lexical_scores(self, groups: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 ranking scores of every document, and how much of the question each one covers.

        Ranking: each group of query tokens (a word with its pinyin and glosses, a bigram, a
        character) adds its best-scoring token per document, as Lucene scores synonyms as one
        term, so a word whose pinyin and glosses match too does not outvote the rest of the
        question. Coverage (the confidence): the BM25 sum over every distinct token divided by
        the ceiling, the sum of ``idf * (k1 + 1)`` (tf -> inf) — the share of the question's
        information a document holds; tokens the corpus never uses count with half the largest
        idf, since they are information no document has. (On the dev set the grouped scores rank
        better — lexical top-1 0.653 -> 0.704 — and the plain sum separates covered from
        uncovered questions better: ROC AUC 0.782 against 0.767.) A character counts at
        UNIGRAM_WEIGHT in both; a token already in an earlier group is not counted again.
        """
        ids, weights, group_of, ceiling, seen = [], [], [], 0.0, set()
        unseen_idf = 0.5 * float(self.idf.max(initial=1.0))
        for g, group in enumerate(groups):
            for token in dict.fromkeys(group):
                if token in seen:
                    continue
                seen.add(token)
                w = UNIGRAM_WEIGHT if token.startswith(UNIGRAM) else 1.0
                if token not in self.vocab:
                    ceiling += w * unseen_idf
                    continue
                ids.append(self.vocab[token])
                weights.append(w)
                group_of.append(g)
                ceiling += w * float(self.idf[ids[-1]])
        n = len(self.docs)
        if not ids:
            return np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
        # bm25s keeps each token's document scores as rows of a CSR matrix (what BM25.save writes):
        # gather the postings of every query token at once (no per-token Python work: clustering
        # scores tens of thousands of questions)
        data, indices, indptr = (self.bm25.scores[k] for k in ("data", "indices", "indptr"))
        ids_a = np.asarray(ids)
        starts, lengths = indptr[ids_a], indptr[ids_a + 1] - indptr[ids_a]
        pos = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(starts, lengths)
        docs = indices[pos]
        scores = data[pos] * np.repeat(np.asarray(weights, dtype=np.float32), lengths)
        total = np.bincount(docs, weights=scores, minlength=n).astype(np.float32)
        # the best token of each (group, document): sort by that key, best score first, keep the first
        keys = np.repeat(np.asarray(group_of, dtype=np.int64), lengths) * n + docs
        order = np.lexsort((-scores, keys))
        first = order[np.r_[True, keys[order][1:] != keys[order][:-1]]]
        ranking = np.bincount(docs[first], weights=scores[first], minlength=n).astype(np.float32)
        return ranking, total / max(ceiling * (self.k1 + 1), 1e-9)


def _own_text(clause: Clause, children: list[Clause]) -> str:
    """A section's text before its first sub-clause (its own words, not its children's)."""
    if not children or clause.kind == ClauseKind.article:
        return clause.text
    first = children[0]
    head = f"{first.label} {first.title}".strip() if first.title else first.label
    cut = clause.text.find(head) if head else -1
    if cut < 0 and first.title:
        cut = clause.text.find(first.title)
    return clause.text[:cut].strip() if cut >= 0 else ""


def clause_docs(catalog: Catalog, tokenized: bool = True) -> list[tuple[MatchDoc, list[str]]]:
    """Clause documents with their weighted token lists (empty lists when not ``tokenized``)."""
    out: list[tuple[MatchDoc, list[str]]] = []
    for policy in catalog.policies:
        children: dict[str | None, list[Clause]] = {}
        for clause in policy.clauses:
            children.setdefault(clause.parent, []).append(clause)
        by_key = {c.key: c for c in policy.clauses}
        for clause in policy.clauses:
            if clause.kind == ClauseKind.item and clause.parent in by_key:
                continue  # an item is answered by its article (which holds the item's text)
            own = _own_text(clause, [c for c in children.get(clause.key, []) if c.kind != ClauseKind.item])
            if len(own) < 8 and children.get(clause.key):
                continue  # a heading over sub-clauses: its children answer
            parents, parent = [], by_key.get(clause.parent or "")
            while parent is not None:
                if parent.title:
                    parents.append(parent.title)
                parent = by_key.get(parent.parent or "")
            title = clause.title or ""
            doc = MatchDoc(
                kind="clause",
                key=clause.key,
                title=title,
                url=clause.url,
                policy=policy.id,
                policy_title=policy.meta.title,
                owner=policy.meta.owner,
                language=clause.language,
                number=clause.number,
                clause_kind=clause.kind.value,
                text=" ".join(x for x in (policy.meta.title, *reversed(parents), title, own) if x),
            )
            tokens = (
                (
                    tokenize(title, filler=False) * 2
                    + tokenize(" ".join(parents), filler=False)
                    + tokenize(policy.meta.title, filler=False)
                    + tokenize(own, filler=False)
                )
                if tokenized
                else []
            )
            out.append((doc, tokens))
    return out


def faq_docs(catalog: Catalog, entries: list[FaqEntry]) -> list[tuple[MatchDoc, list[str]]]:
    out: list[tuple[MatchDoc, list[str]]] = []
    for entry in entries:
        first = catalog.get(entry.clauses[0]) if entry.clauses else None
        policy = catalog.policy(first.policy) if first else None
        doc = MatchDoc(
            kind="faq",
            key=entry.id,
            title=entry.question,
            url=entry.url,
            policy=policy.id if policy else None,
            policy_title=policy.meta.title if policy else "",
            owner=policy.meta.owner if policy else "",
            language=policy.language if policy else catalog.settings.language,
            clauses=entry.clauses,
            text=f"{entry.question} {entry.answer}",
        )
        out.append((doc, tokenize(entry.question, filler=False) * 2 + tokenize(entry.answer, filler=False)))
    return out


_SENTENCE_RE = re.compile(r"(?<=[。；;！？!?\n])|(?<=\. )")


def sentence_passages(doc: MatchDoc) -> list[str]:
    """A document as short passages for the encoder: its title, then each sentence under its title.

    A long clause (or a table) dilutes one embedding; a question usually asks about one sentence
    or one table row, so the semantic score takes the best passage as well as the whole.
    """
    body = doc.text[len(doc.policy_title) :].strip() if doc.text.startswith(doc.policy_title) else doc.text
    parts = [p.strip() for p in _SENTENCE_RE.split(body) if len(p.strip()) > 4]
    return [f"{doc.policy_title} {doc.title}".strip()] + [f"{doc.title}: {p}" if doc.title else p for p in parts]


def fingerprint(root: Path, catalog: Catalog, encoder: str | None) -> str:
    """Hash of every policy and FAQ file plus what else shapes the index, including the code
    (:func:`~tooling.cache.code_fingerprint`): an upgraded tokeniser never reads an old index."""
    return source_digest(root, catalog.settings, f"{FORMAT}|{encoder}|{code_fingerprint()}")[:24]


def _known_vectors(index: MatchIndex | None, encoder: Encoder | None) -> dict[str, np.ndarray]:
    """Passage text -> embedding from a previous index by the same encoder (empty otherwise)."""
    if index is None or encoder is None or index.encoder != encoder.name or index.embeddings is None:
        return {}
    known = {d.text: index.embeddings[k] for k, d in enumerate(index.docs)}
    passages = [p for d in index.docs for p in sentence_passages(d)]
    if (
        index.sentence_embeddings is not None
        and getattr(index, "format", 0) == FORMAT
        and len(passages) == len(index.sentence_embeddings)
    ):
        known.update(zip(passages, index.sentence_embeddings))
    return known


def embed_passages(encoder: Encoder, texts: list[str], known: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Embed passages once each: repeated texts and texts a previous index holds are not re-encoded.

    Encoding is the whole cost of a semantic index (tens of ms per passage on a CPU), so editing
    one clause of a long regulation re-encodes only that clause's passages.
    """
    known = dict(known or {})
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    if todo:
        known.update(zip(todo, encoder.passages(todo)))
    return np.vstack([known[t] for t in texts]).astype(np.float32) if texts else np.zeros((0, 384), np.float32)


def build_index(
    catalog: Catalog, encoder: Encoder | None = None, plain: bool = False, previous: MatchIndex | None = None
) -> MatchIndex:
    """Index a catalog's clauses and its repository's approved FAQ entries.

    ``plain=True`` builds the evaluation baseline: plain BM25 over each clause's title and text
    with jieba words only (no bigrams, pinyin, stemming, filler removal or title weighting).
    ``previous`` (an older index of the same repository) lends the embeddings of unchanged passages.
    """
    import bm25s  # on first use: importing the module stays cheap

    if plain:
        pairs = [(d, plain_tokens(f"{d.title} {d.text}")) for d, _ in clause_docs(catalog, tokenized=False)]
    else:
        pairs = clause_docs(catalog) + faq_docs(catalog, approved_entries(catalog.root, catalog))
    docs = [d for d, _ in pairs]
    corpus = [t or ["<empty>"] for _, t in pairs]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in tokens] for tokens in corpus]
    k1 = 1.2
    bm25 = bm25s.BM25(k1=k1, b=0.75)
    if ids:
        bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    # document frequencies: bm25s keeps one posting per (token, document) as rows of a CSR matrix;
    # ``index`` also adds an empty token to ``vocab`` that has no row (df 0: the largest idf)
    df = np.zeros(len(vocab), dtype=np.float64)
    if ids:
        rows = np.diff(bm25.scores["indptr"])
        df[: len(rows)] = rows
    n = max(len(ids), 1)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    embeddings = sentences = owner = None
    if encoder is not None and docs and not plain:
        known = _known_vectors(previous, encoder)
        embeddings = embed_passages(encoder, [d.text for d in docs], known)
        owner_list, passages = [], []
        for k, doc in enumerate(docs):
            for part in sentence_passages(doc):
                owner_list.append(k)
                passages.append(part)
        sentences, owner = embed_passages(encoder, passages, known), np.asarray(owner_list, dtype=np.int64)
    owners = {p.id: p.meta.owner for p in catalog.policies}
    return MatchIndex(
        docs=docs,
        bm25=bm25,
        vocab=vocab,
        idf=idf,
        k1=k1,
        encoder=encoder.name if encoder is not None else None,
        embeddings=embeddings,
        sentence_embeddings=sentences,
        sentence_owner=owner,
        owners=owners,
        plain=plain,
    )


def load_index(root: Path, catalog: Catalog | None = None, encoder: Encoder | None | str = "settings") -> MatchIndex:
    """The repository's index from ``ROOT/.policy-cache/`` or freshly built (then cached)."""
    root = Path(root)
    catalog = catalog or Catalog.load(root)
    if isinstance(encoder, str):  # "settings"
        encoder = get_encoder(catalog.settings)
    name = encoder.name if encoder is not None else None
    cache = cache_dir(root)
    prefix = f"match-index-{(name or 'lexical').replace(':', '_').replace('/', '_')}-"
    path = cache / f"{prefix}{fingerprint(root, catalog, name)}.pkl"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)
        except Exception:
            pass
    previous = None
    if encoder is not None:  # an older index lends the vectors of passages that did not change
        for old in sorted(cache.glob(f"{prefix}*.pkl"))[-1:]:  # the old indexes are deleted below: one at most
            try:
                with old.open("rb") as fh:
                    previous = pickle.load(fh)
            except Exception:
                previous = None
    index = build_index(catalog, encoder, previous=previous)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for old in cache.glob(f"{prefix}*.pkl"):
            old.unlink(missing_ok=True)
        write_atomic(path, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only checkout still answers, only slower
    return index
