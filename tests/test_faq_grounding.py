"""Grounding: figures in an answer must be stated by a cited clause, whatever their spelling."""

from __future__ import annotations

import pytest

from tooling.matching.grounding import figures, unsupported_figures


@pytest.mark.parametrize(
    "answer, clause",
    [
        ("三个月内兑付", "3个月内兑付"),
        ("比例为百分之五", "比例为5%"),
        ("上限¥5,000", "上限5000元"),
        ("最低5千元", "最低 RMB 5,000"),
        ("1.5万元以内", "15000元以内"),
        ("2026年1月15日前", "截止 2026-01-15"),
        ("1月15日前提交", "须于2026年1月15日前提交"),
        ("within three months", "within 3 months"),
        ("by 10 January", "must be claimed by January 10 of the following year"),
        ("5 percent", "rate 5%"),
        ("30天", "期限 | 30"),  # a unitless table cell
    ],
)
def test_same_figure_in_other_spelling_is_supported(answer: str, clause: str) -> None:
    assert unsupported_figures(answer, [clause]) == []


def test_invented_figures_are_listed_as_written() -> None:
    clause = "确认后的返利于季度结束后第二个月计入返利账户，经销商须在结果发布后7天内确认，比例2%。"
    answer = "见{clause}`SALES 4.3`：15天内确认，比例百分之三，最高¥8,000。"
    assert unsupported_figures(answer, [clause]) == ["15天", "百分之三", "¥8,000"]


def test_citation_numbers_are_not_figures() -> None:
    assert figures("根据{clause}`SALES 4.2`及第4.3条、REBATE 12、§3.1、Article 7 和（二）") == []
