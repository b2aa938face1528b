"""The clause-level search index the site's search page reads, written at build time.

Sphinx's own index is page-level and needs every query word to match; staff type whole
questions and need the clause. So we write ``_static/policy-search-index.js``: one record per
clause and per approved FAQ entry (citation label, title, policy, version, URL with anchor,
language) and BM25 postings over tokens from :func:`tooling.matching.tokenize.tokenize`, the
matcher's own tokeniser. What the browser needs to tokenise a query the same way ships with it:
the tokeniser's regular expressions and stop words, the part of jieba's dictionary (with
CC-CEDICT glosses) a query can need, so the browser runs jieba's own segmentation, per-character
pinyin, Python's stems of the site's English words and a traditional -> simplified map. It is a
``.js`` file (not JSON) so the site also searches offline from ``file://``.

This package needs no Sphinx: ``tooling/sphinx_ext/search_index.py`` only hooks it into a build
(and ships Sphinx's JS stemmer beside it).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..cache import code_fingerprint, write_atomic
from ..catalog import Catalog, source_digest
from ..citations import citation_text, number_label
from ..faqpage import approved_entries
from ..matching import tokenize as tk
from ..matching.answer import DEFAULT_THRESHOLD
from ..matching.citing import cited
from ..matching.glossary import gloss_db
from ..matching.index import clause_docs, faq_docs
from ..models import Clause, ClauseKind
from ..text import _traditional_chars, normalize, to_simplified

FORMAT = 6  # bump when records, tokens or the file layout change
INDEX_FILE = "policy-search-index.js"
K1, B = 1.2, 0.75
SNIPPET = 50  # characters of clause text shown under a result (most of a record's bytes)
# A heading over sub-clauses, or an item inside its article: the matcher answers with the
# sub-clause / the article, so these rank lower (dev set recall@5 +1 point at 0.5-0.8).
FOLDED_WEIGHT = 0.6
LOW_CONFIDENCE = DEFAULT_THRESHOLD[None]  # the matcher's calibrated lexical "not covered" threshold
_CJK_WORD = re.compile(rf"^{tk.rules()['cjk']}+$")


class SearchRecord(BaseModel):
    """One search hit: a clause or an approved FAQ entry."""

    kind: str  # clause | faq
    key: str  # "SALES 4.2" or the FAQ id
    label: str  # "4.2", "第十二条", "Article 7" (FAQ: its id)
    title: str
    policy: str | None = None
    policy_title: str = ""
    version: str = ""
    number: str = ""
    clause_kind: str = ""  # section | article | item (a 第…条 query prefers articles)
    url: str  # relative to the site root, with the anchor
    language: str = "zh"
    snippet: str = ""
    weight: float = 1.0  # < 1 for clauses the matcher folds into others (found, ranked lower)


class PolicyEntry(BaseModel):
    """What a no-result message and a citation jump need to know about a policy."""

    id: str
    title: str
    name: str  # the title as normalize() folds it: what a citation's policy part is compared with
    owner: str
    version: str
    language: str
    url: str


class SearchIndex(BaseModel):
    """The whole index as shipped to the browser (see ``policy-search.js``)."""

    format: int = FORMAT
    fingerprint: str = ""
    k1: float = K1
    b: float = B
    avgdl: float = 0.0
    docs: list[SearchRecord] = Field(default_factory=list)
    lengths: list[int] = Field(default_factory=list)
    terms: dict[str, list[int]] = Field(default_factory=dict)  # term -> encode_postings(...)
    policies: list[PolicyEntry] = Field(default_factory=list)
    faq_pages: list[str] = Field(default_factory=list)
    faq_titles: dict[str, str] = Field(default_factory=dict)  # page -> its title, the link text
    collector_url: str = ""
    low_confidence: float = LOW_CONFIDENCE  # below: "no clause answers this" + report it
    tokenizer: dict[str, Any] = Field(default_factory=dict)

    def to_js(self) -> str:
        data = self.model_dump(mode="json")
        # Records leave out default values (weight 1, language zh…) and what their policy entry
        # already says (title, version; policy-search.js puts them back): 10,000 of them add up.
        policies = {p.id: p for p in self.policies}
        data["docs"] = [
            d.model_dump(mode="json", exclude_defaults=True, exclude=_shared(d, policies)) for d in self.docs
        ]
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return f"/* policy-search-index {self.fingerprint} */\nwindow.POLICY_SEARCH_INDEX={body};\n"


def _shared(record: SearchRecord, policies: dict[str, PolicyEntry]) -> set[str]:
    policy = policies.get(record.policy or "")
    if policy is None:
        return set()
    return {
        name
        for name, value in (("policy_title", policy.title), ("version", policy.version))
        if getattr(record, name) == value
    }


def encode_postings(pairs: list[int]) -> list[int]:
    """``[doc, tf, doc, tf…]`` (docs ascending) as gaps: ``gap*4 + tf`` when tf <= 3, else
    ``gap*4, tf``. Small numbers are short JSON: the 10,000-clause index is less than half as big."""
    out: list[int] = []
    prev = -1
    for doc, tf in zip(pairs[0::2], pairs[1::2]):
        gap, prev = doc - prev, doc
        out.extend((gap * 4 + tf,) if tf <= 3 else (gap * 4, tf))
    return out


def decode_postings(codes: list[int]) -> list[tuple[int, int]]:
    """The ``(doc, tf)`` pairs of :func:`encode_postings` (``policy-search.js`` does the same)."""
    out, doc, i = [], -1, 0
    while i < len(codes):
        doc += codes[i] // 4
        tf = codes[i] % 4
        if tf == 0:
            i += 1
            tf = codes[i]
        out.append((doc, tf))
        i += 1
    return out


_ROLE = re.compile(r"\{[\w:-]+\}`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def _snippet(text: str) -> str:
    text = _ROLE.sub(lambda m: m.group(1) or m.group(2), text)  # {clause}`SALES 4.2` -> SALES 4.2
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= SNIPPET else text[:SNIPPET].rstrip() + "…"


def _fallback_tokens(clause: Clause, policy_title: str) -> list[str]:
    """Clauses the matcher folds into others (items; headings over sub-clauses) are still findable
    by title: an item by its own text, a heading by its title and its policy."""
    own = clause.text if clause.kind == ClauseKind.item else ""
    return (
        tk.tokenize(clause.title or "", filler=False) * 2
        + tk.tokenize(policy_title, filler=False)
        + tk.tokenize(own, filler=False)
    )


def clause_record(clause: Clause, policy_title: str) -> SearchRecord:
    return SearchRecord(
        kind="clause",
        key=clause.key,
        label=clause.label,
        title=clause.title or "",
        policy=clause.policy,
        policy_title=policy_title,
        version=clause.version,
        number=clause.number,
        clause_kind=clause.kind.value,
        url=clause.url,
        language=clause.language,
        snippet=_snippet(clause.text),
    )


def build_search_index(
    catalog: Catalog,
    faq_pages: list[str] | None = None,
    collector_url: str = "",
    fingerprint: str = "",
    faq_titles: dict[str, str] | None = None,
) -> SearchIndex:
    """Records and postings for every clause and approved FAQ entry of ``catalog``'s repository."""
    matcher_tokens = {doc.key: tokens for doc, tokens in clause_docs(catalog)}
    pairs: list[tuple[SearchRecord, list[str]]] = []
    for policy in catalog.policies:
        for clause in policy.clauses:
            record = clause_record(clause, policy.meta.title)
            tokens = matcher_tokens.get(clause.key)
            if tokens is None:
                tokens = _fallback_tokens(clause, policy.meta.title)
                record.weight = FOLDED_WEIGHT
            pairs.append((record, tokens))
    entries = approved_entries(catalog.root, catalog)
    answers = {e.id: e.answer for e in entries}
    for doc, tokens in faq_docs(catalog, entries):
        faq_policy = catalog.policy(doc.policy) if doc.policy else None
        pairs.append(
            (
                SearchRecord(
                    kind="faq",
                    key=doc.key,
                    label=doc.key,
                    title=doc.title,
                    policy=doc.policy,
                    policy_title=doc.policy_title,
                    version=faq_policy.meta.version if faq_policy else "",
                    url=doc.url,
                    language=doc.language,
                    snippet=_snippet(answers[doc.key]),
                ),
                tokens,
            )
        )
    index = SearchIndex(
        fingerprint=fingerprint, collector_url=collector_url, faq_pages=faq_pages or [], faq_titles=faq_titles or {}
    )
    for i, (record, tokens) in enumerate(pairs):
        tokens = tk.without_unigrams(tokens)  # the browser's tokeniser does not make them: a smaller index
        index.docs.append(record)
        index.lengths.append(len(tokens))
        for token, tf in Counter(tokens).items():
            index.terms.setdefault(token, []).extend((i, tf))
    index.terms = {t: encode_postings(p) for t, p in index.terms.items()}
    index.avgdl = sum(index.lengths) / max(len(index.lengths), 1)
    index.policies = [
        PolicyEntry(
            id=p.id,
            title=p.meta.title,
            name=normalize(p.meta.title),
            owner=p.meta.owner,
            version=p.meta.version,
            language=p.language,
            url=f"{p.doc}.html",
        )
        for p in catalog.policies
    ]
    texts = [f"{r.title} {r.policy_title} {r.snippet}" for r in index.docs]
    texts += [c.text for c in catalog.clauses] + [e.answer for e in entries]
    index.tokenizer = tokenizer_spec(index.terms, texts, "".join(p.name for p in index.policies))
    return index


def _char_pinyin(chars: set[str]) -> dict[str, str]:
    """Per-character readings, as the tokeniser reads words (pypinyin without phrases)."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, lazy_pinyin  # on first use: importing the module stays cheap

    out = {}
    for ch in sorted(chars):
        syllables = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
        if len(syllables) == 1 and syllables[0]:
            out[ch] = syllables[0]
    return out


def _t2s_map(chars: set[str]) -> dict[str, str]:
    """Traditional characters whose simplified form occurs in the index (all others cannot score)."""
    out = {}
    for ch in _traditional_chars():
        simple = to_simplified(ch)
        if simple != ch and len(simple) == 1 and simple in chars:
            out[ch] = simple
    return out


def _lexicon(terms: dict[str, list[int]], cjk_terms: list[str], chars: set[str]) -> dict[str, Any]:
    """The part of jieba's dictionary a query on this site needs, with CC-CEDICT glosses.

    ``word -> frequency`` or ``word -> [frequency, "gloss tokens"]`` for every jieba word that the
    index holds or that is written with the site's characters and glosses to English tokens the
    index holds (``tooling.matching.glossary``; no other gloss token could score), plus the
    site's characters. With it the browser runs jieba's own segmentation (most probable path
    through the word DAG, no HMM) instead of guessing word boundaries.
    """
    freq = tk.jieba_tokenizer().dt.FREQ
    no_gloss: frozenset[str] = getattr(tk, "NO_GLOSS", frozenset())
    lexicon: dict[str, Any] = {w: freq[w] for w in sorted({*cjk_terms, *chars}) if freq.get(w)}
    db = gloss_db()
    rows = db.execute("SELECT word, tokens FROM gloss") if db is not None else []
    for word, tokens in rows:
        if not freq.get(word) or word in no_gloss or not all(ch in chars for ch in word):
            continue  # jieba never emits it, the tokeniser never glosses it, or no clause has its characters
        keep = [t for t in tokens.split() if t in terms]
        if keep:
            lexicon[word] = [freq[word], " ".join(keep)]
    return {"lexicon": lexicon, "jieba_total": tk.jieba_tokenizer().dt.total}


def _stem_map(texts: list[str]) -> dict[str, str]:
    """Python's Snowball stems of the site's English words: Sphinx ships a newer Snowball in JS
    that stems a few words differently ("international"), so known words use the Python stem."""
    stem = tk.stemmer().stemWord
    words = {w for text in texts for w in re.findall(r"[a-z][a-z0-9]*", normalize(text))}
    return {w: stem(w) for w in sorted(words) if len(w) > 1 and w not in tk.EN_STOP}


def tokenizer_spec(terms: dict[str, list[int]], texts: list[str], titles: str = "") -> dict[str, Any]:
    """The matcher tokeniser's rules, in a form ``policy-search.js`` runs unchanged. ``titles``: the
    policies' folded titles, whose characters a citation's policy part is folded to as well."""
    cjk_terms = [t for t in terms if _CJK_WORD.match(t)]
    chars = {ch for t in cjk_terms for ch in t}
    return {
        **_lexicon(terms, cjk_terms, chars),
        "stems": _stem_map(texts),
        **tk.rules(),
        "zh_stop": sorted(tk.ZH_STOP),
        "en_stop": sorted(tk.EN_STOP),
        "pinyin": bool([t for t in terms if t.startswith("py:")]),
        "pinyin_chars": _char_pinyin(chars),
        "t2s": _t2s_map(chars | set(titles)),
    }


def fingerprint(root: Path, catalog: Catalog, collector_url: str) -> str:
    """Hash of every policy and FAQ file and the code: unchanged inputs keep the old index (a
    no-op rebuild of a 10,000-clause site does not re-tokenise it)."""
    return source_digest(root, catalog.settings, f"{FORMAT}|{collector_url}|{code_fingerprint()}")[:20]


def write_search_index(
    catalog: Catalog, outdir: Path, faq_pages: list[str], faq_titles: dict[str, str] | None = None
) -> Path:
    """Write ``_static/policy-search-index.js`` unless the sources it was built from are unchanged."""
    target = Path(outdir) / "_static" / INDEX_FILE
    collector = catalog.settings.collector_url
    titles = json.dumps(faq_titles or {}, ensure_ascii=False, sort_keys=True)
    stamp = fingerprint(catalog.root, catalog, f"{collector}|{titles}")
    if target.is_file():
        with target.open(encoding="utf-8") as fh:
            if fh.readline().strip() == f"/* policy-search-index {stamp} */":
                return target
    index = build_search_index(catalog, faq_pages, collector, stamp, faq_titles)
    write_atomic(target, index.to_js().encode("utf-8"))
    return target


def citation_examples(catalog: Catalog, language: str) -> list[str]:
    """What the search page's hint offers to paste: a citation of one of this site's own clauses
    (``《2026年度产品销售政策》第1.1条`` / ``Business Travel and Expense Policy §1.1``) and an article
    (``第一条`` / ``Article 7``) if the site has one, from its policies in ``language``; each one
    opens its clause (``Catalog.cited`` names just it), or it is left out."""
    policies = [p for p in catalog.policies if p.language == language] or catalog.policies
    sections = [(p, c) for p in policies for c in p.clauses if c.kind == ClauseKind.section]
    articles = [(p, c) for p in policies if p.language == language for c in p.clauses if c.kind == ClauseKind.article]
    picks = [
        next(((p, c) for p, c in sections if "." in c.number), sections[0] if sections else None),
        articles[0] if articles else None,
    ]
    examples = []
    for pick in filter(None, picks):
        policy, clause = pick
        short = number_label(clause.number, clause.kind.value, policy.language)
        written = citation_text(policy.meta.title, clause.number, clause.kind.value, policy.language, None)
        for text in (short, written) if clause.kind == ClauseKind.article else (written, clause.key):
            if cited(catalog, text) == [clause]:
                examples.append(text)
                break
    return examples
