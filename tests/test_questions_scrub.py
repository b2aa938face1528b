"""Scrubbing, normalisation, pseudonyms and question detection on Chinese and English text."""

from __future__ import annotations

import pytest

from tooling.questions.asking import is_question
from tooling.questions.scrub import pseudonym, scrub, scrub_value
from tooling.text import normalize


@pytest.mark.parametrize(
    "text, expected",
    [
        ("请联系周建华 0512-57321846 或手机 138 1234 5678", "请联系周建华 [电话] 或手机 [电话]"),
        ("手机+86 13906172283，邮箱 linxd_wz@126.com", "手机[电话]，邮箱 [邮箱]"),
        ("身份证号 11010519491231002X 办理", "身份证号 [身份证] 办理"),
        ("退款打到卡号 6222 0212 3456 7890 123 上吗", "退款打到卡号 [银行卡] 上吗"),
        ("客服 400-820-8820 和总机 (021) 6888 1234", "客服 [电话] 和总机 [电话]"),
        ("Call me on +1 415 555 0132 or (415) 555-0132", "Call me on [phone] or [phone]"),
        ("Mail Lisa.Chen-Ops@example.co.uk about +44 20 7946 0958", "Mail [email] about [phone]"),
        ("Card 4111 1111 1111 1111 was charged twice", "Card [bank-card] was charged twice"),
    ],
)
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


@pytest.mark.parametrize(
    "text",
    [
        "发票丢了怎么办",
        "返利什么时候到账",
        "per diem for Beijing?",
        "How much is the hotel cap",
        "Is the rebate paid quarterly",
        "窜货第二次罚多少",
        "能不能月结60天",
    ],
)
def test_questions_are_recognised(text):
    assert is_question(text)


@pytest.mark.parametrize(
    "text", ["好的", "谢谢", "收到，明天发你", "Thanks!", "I will send it tomorrow", "👍", "下午开会"]
)
def test_chatter_is_not_a_question(text):
    assert not is_question(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("手机139.1234.5678，请回电", "手机[电话]，请回电"),
        ("电话１３７１２３４５６７８请回", "电话[电话]请回"),
        ("Reach me at 139.1234.5678 please", "Reach me at [phone] please"),
        ("返利问题请发我的邮箱 lisa＠example.com", "返利问题请发我的邮箱 [邮箱]"),
        ("请发到 zhang@例子.中国 谢谢", "请发到 [邮箱] 谢谢"),
        ("mail a.li@xn--fiqs8s.xn--fiqs8s today", "mail [email] today"),
        ("身份证110105491231002办理", "身份证[身份证]办理"),
        ("加我微信 wxid_abcd1234", "加我微信 [微信]"),
        ("微信号：zhangmin_88 谢谢", "微信号：[微信] 谢谢"),
        ("my WeChat ID: LiLei2026 thanks", "my WeChat ID: [wechat] thanks"),
        ("QQ号：987654321", "QQ号：[QQ]"),
        ("QQ 12345678 找我", "QQ [QQ] 找我"),
        ("我是华北区销售陈晨（工号S1），想问提成", "我是华北区销售[姓名]（工号S1），想问提成"),
        ("我叫王小明，想问返利", "我叫[姓名]，想问返利"),
        ("经销商（联系人：吴先生，电话见附件）", "经销商（联系人：[姓名]，电话见附件）"),
        ("请问是否符合条件？谢谢。华东区 李娜", "请问是否符合条件？谢谢。华东区 [姓名]"),
        ("Hi, this is Lisa Chen from finance. Is the cap 500?", "Hi, this is [name] from finance. Is the cap 500?"),
        ("My name is Tom and I need the per diem", "My name is [name] and I need the per diem"),
    ],
)
def test_scrub_catches_the_forms_that_used_to_slip_through(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我是成都的，问下返利",
        "我是新来的销售，想问提成",
        "我是G5，去新加坡能坐什么舱位",
        "我是华东区的，返利怎么算",
        "I am travelling to Beijing next week",
        "I'm a G8 director flying to Frankfurt",
        "hotel budget for Xiamen? I'm G7",
        "返利4.5%，见SALES 4.2，2026-01-05提货620万元，RO-500型号13.5%",
        "第十二条第（一）项 REBATE 12.2(1)",
        "QQ音乐会员能报销吗",
        "微信支付的发票怎么报",
        "TRAVEL 6.1 says 1,200 per night in tier-1 cities",
    ],
)
def test_scrub_leaves_policy_content_and_non_names_alone(text):
    assert scrub(text) == text
