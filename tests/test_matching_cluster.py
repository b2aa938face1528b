"""Clustering, evaluation metrics and ``policy eval`` / ``policy questions cluster`` on the dev set."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from tooling.cli import cli
from tooling.matching.answer import Matcher
from tooling.matching.cluster import cluster_questions, dedupe_key
from tooling.matching.evaluate import bcubed, evaluate, load_labeled

TZ = timezone(timedelta(hours=8))


class Q:
    def __init__(self, id: str, text: str, asker: str, day: int):
        self.id, self.text, self.asker = id, text, asker
        self.asked_at = datetime(2026, 3, 1, tzinfo=TZ) + timedelta(days=day)


def test_duplicates_collapse_and_clusters_carry_askers_and_clauses(dev_repo: Path):
    qs = [
        Q("1", "窜货怎么罚？", "a", 0),
        Q("2", "您好，窜货怎么罚", "b", 5),
        Q("3", "窜货怎么罚!!", "a", 9),
        Q("4", "今年年终奖还发吗", "c", 1),
        Q("5", "年终奖什么时候发", "d", 2),
        Q("6", "hotel cap per night in Shanghai", "e", 3),
    ]
    assert dedupe_key("您好，窜货怎么罚") == dedupe_key("窜货怎么罚？")
    clusters = cluster_questions(qs, matcher=Matcher.open(dev_repo, semantic="off"))
    by_q = {qid: c for c in clusters for qid in c.question_ids}
    penalty = by_q["1"]
    assert penalty.question_ids == ["1", "2", "3"] and penalty.size == 3
    assert (penalty.askers, penalty.repeat_askers, penalty.covered) == (2, 1, True)
    assert penalty.clauses == ["SALES 3.3"] and penalty.policy == "SALES"
    assert penalty.first_asked == qs[0].asked_at and penalty.last_asked == qs[2].asked_at
    assert by_q["4"] is by_q["5"] and not by_q["4"].covered  # the uncovered gap clusters too
    assert clusters[0] is penalty  # most distinct askers first
    assert by_q["6"].policy == "TRAVEL"


def test_recency_weight_and_policy_filter(dev_repo: Path):
    m = Matcher.open(dev_repo, semantic="off")
    old = [Q(f"o{i}", "窜货怎么罚", f"x{i}", 0) for i in range(3)]
    new = [Q(f"n{i}", "hotel cap per night", f"y{i}", 360) for i in range(3)]
    clusters = cluster_questions(old + new, matcher=m)
    assert clusters[0].question_ids[0].startswith("n") and clusters[0].score > clusters[1].score
    only = cluster_questions(old + new, matcher=m, policy="sales")
    assert [c.policy for c in only] == ["SALES"]


def test_dev_set_clusters_are_deterministic_and_representatives_are_short(dev_repo: Path, dev_dir: Path):
    questions, problems = load_labeled(dev_dir / "questions.jsonl")
    assert not problems and len(questions) == 412
    m = Matcher.open(dev_repo, semantic="off")
    first = cluster_questions(questions, matcher=m)
    second = cluster_questions(list(reversed(questions)), matcher=m)
    assert [c.model_dump() for c in first] == [c.model_dump() for c in second]
    assert sum(c.size for c in first) == 412
    big = max(first, key=lambda c: c.size)
    assert len(big.representative) <= 60


def test_bcubed_on_a_known_case():
    p, r, f = bcubed(["a", "a", "b", "b"], ["x", "x", "x", "y"])
    assert (round(p, 4), round(r, 4)) == (0.75, round((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4, 4))
    assert bcubed(["a", "b"], ["x", "y"])[2] == 1.0


def test_eval_beats_the_plain_baseline_on_the_dev_set(dev_repo: Path, dev_dir: Path, monkeypatch):
    monkeypatch.setenv("POLICY_MATCHING_SEMANTIC", "off")
    report = evaluate(dev_repo, dev_dir / "questions.jsonl")
    ours, base = report.systems[0], report.systems[-1]
    assert ours.system.startswith("lexical") and base.system.startswith("baseline")
    assert ours.top1 > base.top1 and ours.recall_at_3 > base.recall_at_3 and ours.mrr > base.mrr
    assert 0 < ours.v_measure <= 1 and 0 < ours.bcubed_f1 <= 1
    assert ours.covered_questions == 375
    # 70 of them ask in one language about a clause in the other (zh questions on the English
    # travel policy, en questions on the Chinese sales policy); top-1 splits along that line
    assert ours.cross_language_questions == 70
    assert ours.top1_cross_language < ours.top1 < ours.top1_same_language
    assert abs((305 * ours.top1_same_language + 70 * ours.top1_cross_language) / 375 - ours.top1) < 1e-3


def test_eval_cli_reports_bad_label_lines(dev_repo: Path, tmp_path: Path, dev_dir: Path):
    lines = (dev_dir / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:30]
    labeled = tmp_path / "labeled.jsonl"
    labeled.write_text(
        "\n".join(lines[:10] + ['{"id": "x", "text": "no intent"}'] + lines[10:]) + "\n", encoding="utf-8"
    )
    out = CliRunner().invoke(
        cli, ["eval", str(labeled), "--root", str(dev_repo), "--json"], env={"POLICY_MATCHING_SEMANTIC": "off"}
    )
    assert out.exit_code == 0
    assert f"{labeled}:11: error PL702" in out.stderr
    data = json.loads(out.stdout)
    assert data["systems"][0]["questions"] == 30


def test_questions_cluster_cli_reads_the_store(dev_repo: Path, dev_dir: Path, tmp_path: Path):
    pytest.importorskip("tooling.questions.ingest")
    from tooling.questions.ingest import ingest_paths

    src = tmp_path / "inbox.jsonl"
    src.write_text(
        "\n".join((dev_dir / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:60]) + "\n", encoding="utf-8"
    )
    ingest_paths(dev_repo, [src])
    runner = CliRunner()
    env = {"POLICY_MATCHING_SEMANTIC": "off"}
    out = runner.invoke(cli, ["questions", "cluster", "--root", str(dev_repo), "--json"], env=env)
    assert out.exit_code == 0, out.output
    clusters = json.loads(out.stdout)
    assert sum(c["size"] for c in clusters) == 60
    assert {
        "id",
        "size",
        "askers",
        "repeat_askers",
        "first_asked",
        "last_asked",
        "representative",
        "question_ids",
        "clauses",
        "covered",
        "policy",
        "score",
    } <= set(clusters[0])
    again = runner.invoke(cli, ["questions", "cluster", "--root", str(dev_repo), "--json"], env=env)
    assert again.stdout == out.stdout
    travel = json.loads(
        runner.invoke(
            cli, ["questions", "cluster", "--root", str(dev_repo), "--json", "--policy", "TRAVEL"], env=env
        ).stdout
    )
    assert travel and all(c["policy"] == "TRAVEL" for c in travel)


def test_representative_is_a_plain_full_question():
    from tooling.matching.cluster import _representative

    texts = [
        "季度返利 入账",
        "季度返利什麼時候到賬？",
        "王经理您好，我想问一下，我们客户季度返利什么时候能到账呢，客户一直在催，谢谢",
        "季度返利什么时候到账？",
        "季度返利啥时候到账🙏",
    ]
    assert _representative([(f"q{i}", t) for i, t in enumerate(texts)]) == "季度返利什么时候到账？"
