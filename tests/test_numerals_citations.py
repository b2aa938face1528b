"""Chinese numerals and citation keys: every spelling people write resolves to one key."""

import pytest

from tooling.citations import KeySyntaxError, anchor_for, citation_text, parse_key
from tooling.numerals import cn_to_int, int_to_cn


@pytest.mark.parametrize("number", range(1, 200))
def test_numerals_round_trip_1_to_199(number):
    assert cn_to_int(int_to_cn(number)) == number


@pytest.mark.parametrize(
    "text, value",
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百", 100),
        ("一百零三", 103),
        ("一百一十", 110),
        ("一百九十九", 199),
        ("两百", 200),
        ("一〇三", 103),
        ("1024", 1024),
    ],
)
def test_numerals_known_values(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("bad", ["", "十十", "一二百", "abc", "百千"])
def test_numerals_reject_garbage(bad):
    with pytest.raises(ValueError):
        cn_to_int(bad)


@pytest.mark.parametrize(
    "text, key, anchor",
    [
        ("SALES 4.2", "SALES 4.2", "sales-4-2"),
        ("sales §4.2", "SALES 4.2", "sales-4-2"),
        ("SALES § 4.2", "SALES 4.2", "sales-4-2"),
        ("REBATE 第十二条", "REBATE 12", "rebate-12"),
        ("REBATE 12条", "REBATE 12", "rebate-12"),
        ("REBATE 第一百零三条", "REBATE 103", "rebate-103"),
        ("REBATE 第十二条之一", "REBATE 12-1", "rebate-12_1"),
        ("REBATE 第十二条第（一）项", "REBATE 12(1)", "rebate-12-1"),
        ("REBATE 12（1）", "REBATE 12(1)", "rebate-12-1"),
        ("REBATE 第十二条第二款第（一）项", "REBATE 12.2(1)", "rebate-12-2-1"),
        ("TRAVEL Article 7", "TRAVEL 7", "travel-7"),
    ],
)
def test_keys_normalise(text, key, anchor):
    parsed = parse_key(text)
    assert parsed.key == key
    assert anchor_for(parsed.policy, parsed.number) == anchor


def test_versioned_key():
    parsed = parse_key("SALES@2.0 4.2")
    assert (parsed.key, parsed.version) == ("SALES 4.2", "2.0")


@pytest.mark.parametrize("bad", ["SALES", "4.2", "SALES abc", "SALES 第x条"])
def test_bad_keys_raise(bad):
    with pytest.raises(KeySyntaxError):
        parse_key(bad)


def test_citation_texts_in_the_policy_language():
    assert (
        citation_text("2026年度产品销售政策", "4.2", "section", "zh", "返利结算时间", "https://x/p.html#sales-4-2")
        == "《2026年度产品销售政策》第4.2条（返利结算时间） https://x/p.html#sales-4-2"
    )
    assert citation_text("Travel Policy", "3.1", "section", "en", "City tiers") == "Travel Policy §3.1 (City tiers)"
    assert (
        citation_text("渠道返利管理办法", "12.2(1)", "item", "zh", None)
        == "《渠道返利管理办法》第十二条第二款第（一）项"
    )
    assert citation_text("渠道返利管理办法", "12-1", "article", "zh", None) == "《渠道返利管理办法》第十二条之一"
