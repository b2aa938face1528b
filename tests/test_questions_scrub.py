"""Scrubbing, normalisation, pseudonyms and question detection on Chinese and English text."""

from __future__ import annotations

import pytest

from tooling.questions.asking import is_question
from tooling.questions.normalize import normalize
from tooling.questions.scrub import pseudonym, scrub, scrub_value


@pytest.mark.parametrize("text, expected", [
    ("请联系周建华 0512-57321846 或手机 138 1234 5678", "请联系周建华 [电话] 或手机 [电话]"),
    ("手机+86 13906172283，邮箱 linxd_wz@126.com", "手机[电话]，邮箱 [邮箱]"),
    ("身份证号 11010519491231002X 办理", "身份证号 [身份证] 办理"),
    ("退款打到卡号 6222 0212 3456 7890 123 上吗", "退款打到卡号 [银行卡] 上吗"),
    ("客服 400-820-8820 和总机 (021) 6888 1234", "客服 [电话] 和总机 [电话]"),
    ("Call me on +1 415 555 0132 or (415) 555-0132", "Call me on [phone] or [phone]"),
    ("Mail Lisa.Chen-Ops@example.co.uk about +44 20 7946 0958", "Mail [email] about [phone]"),
    ("Card 4111 1111 1111 1111 was charged twice", "Card [bank-card] was charged twice"),
])
def test_scrub_replaces_personal_data_with_placeholders_in_the_texts_language(text, expected):
    assert scrub(text) == expected


def test_scrub_leaves_dates_amounts_and_clause_numbers_alone():
    text = "2026-01-05 提货620万元，比例4.5%，见SALES 4.2，共36台，Q1目标1500000；claim by 2026-03-31"
    assert scrub(text) == text


def test_site_patterns_get_their_own_placeholder():
    patterns = {"order": r"SO\d{10}", "employee": r"(?<![A-Za-z])S\d{5}(?!\d)"}
    assert scrub("订单SO2026020417，工号S20417，手机15811027734", patterns) == "订单[order]，工号[employee]，手机[电话]"


def test_scrub_value_reaches_nested_metadata():
    value = {"contact": ["a@b.com", {"tel": "13800138000"}], "n": 3}
    assert scrub_value(value) == {"contact": ["[email]", {"tel": "[phone]"}], "n": 3}


def test_normalize_folds_width_case_space_and_traditional_characters():
    assert normalize("請問ＱＵＡＲＴＥＲ返利　什麼時候到賬？ ") == "请问quarter返利 什么时候到账?"
    assert normalize("  Hotel\tCAP   in  Shanghai ") == "hotel cap in shanghai"
    assert normalize("乾燥") == "干燥"


def test_pseudonym_is_keyed_and_ignores_display_name_and_case():
    a = pseudonym("Lisa Chen <Lisa.Chen@Example.com>", "k1")
    assert a == pseudonym("lisa.chen@example.com", "k1")
    assert a != pseudonym("lisa.chen@example.com", "k2")
    assert "lisa" not in a


@pytest.mark.parametrize("text", ["发票丢了怎么办", "返利什么时候到账", "per diem for Beijing?", "How much is the hotel cap",
                                  "Is the rebate paid quarterly", "窜货第二次罚多少", "能不能月结60天"])
def test_questions_are_recognised(text):
    assert is_question(text)


@pytest.mark.parametrize("text", ["好的", "谢谢", "收到，明天发你", "Thanks!", "I will send it tomorrow", "👍", "下午开会"])
def test_chatter_is_not_a_question(text):
    assert not is_question(text)
