"""``policy import FILE.docx``: real .docx files whose numbers live in numbering.xml, imported into
a repository, held against the numbers Word shows, then checked and diffed as policies."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import git
import pytest
from click.testing import CliRunner
from docx.oxml import parse_xml
from rapidfuzz import fuzz

from tooling.catalog import Catalog
from tooling.cli import cli
from tooling.errors import Code, PolicyToolError
from tooling.wordimport import import_docx
from tooling.wordimport.counters import render

from .docx_support import W_NS, DocxBuilder, policy_to_docx, regulation

ROOT = Path(__file__).resolve().parents[1]
META = {"policy": "LEAVE", "version": "1.0", "effective": "2026-01-01", "owner": "人力资源部"}


def _document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def _import(root: Path, path: Path, **meta):
    report = import_docx(root, path, **({**META, **meta}))
    return report, (root / report.out).read_text(encoding="utf-8")


def _png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _keys(root: Path) -> list[str]:
    return [c.key for c in Catalog.load(root).clauses]


@pytest.mark.parametrize(
    ("n", "fmt", "shown"),
    [
        (10, "chineseCountingThousand", "十"),
        (11, "chineseCountingThousand", "十一"),
        (101, "chineseCountingThousand", "一百零一"),
        (110, "chineseCountingThousand", "一百一十"),
        (1001, "chineseCountingThousand", "一千零一"),
        (20, "chineseCountingThousand", "二十"),
        (10, "chineseCounting", "十"),
        (21, "chineseCounting", "二十一"),
        (101, "chineseCounting", "一〇一"),
        (10, "chineseLegalSimplified", "壹拾"),
        (101, "chineseLegalSimplified", "壹佰零壹"),
        (105, "ideographDigital", "一〇五"),
        (3, "ideographTraditional", "丙"),
        (27, "upperLetter", "AA"),
        (2, "lowerLetter", "b"),
        (14, "upperRoman", "XIV"),
        (9, "lowerRoman", "ix"),
        (12, "decimalFullWidth", "１２"),
        (3, "decimalEnclosedCircle", "③"),
        (21, "decimalEnclosedCircle", "21"),
        (7, "decimalZero", "07"),
        (7, "decimal", "7"),
        (7, "ordinalText", "7"),
        (11, "taiwaneseCountingThousand", "十一"),
        (10001, "chineseCountingThousand", "一万零一"),
    ],
)
def test_counters_follow_ecma_376(n: int, fmt: str, shown: str) -> None:
    assert render(n, fmt) == shown


def _regulation_docx(path: Path, edits: dict[int, str] | None = None) -> Path:
    """12 articles in two chapters, article 3 with three items; ``edits`` rewrites articles."""
    b = DocxBuilder()
    lists = regulation(b)
    b.para("员工休假管理办法", style="Title")
    b.para("总则", num=lists["chapter"])
    for n in range(1, 13):
        body = f"【条款{n}】 第{n}条的内容。" if n != 3 else "休假分为以下几类："
        b.para((edits or {}).get(n, body), num=lists["article"])
        if n == 3:
            for kind in ("年休假；", "病假；", "事假。"):
                b.para(kind, num=lists["article"], ilvl=1)
        if n == 6:
            b.para("附则", num=lists["chapter"])
    return b.save(path)


def test_a_regulation_gets_the_numbers_word_shows(make_repo, tmp_path: Path) -> None:
    root = make_repo({})
    path = _regulation_docx(tmp_path / "休假办法.docx")
    assert "第十二条" not in _document_xml(path) and "（一）" not in _document_xml(
        path
    )  # numbers only in numbering.xml
    report, text = _import(root, path)
    assert "## 第一章 总则" in text and "## 第二章 附则" in text
    assert "**第十二条** 【条款12】 第12条的内容。" in text and "（三）事假。" in text
    assert _keys(root) == [
        *(f"LEAVE {n}" for n in range(1, 4)),
        "LEAVE 3(1)",
        "LEAVE 3(2)",
        "LEAVE 3(3)",
        *(f"LEAVE {n}" for n in range(4, 13)),
    ]
    assert report.by_kind == {"article": 12, "item": 3} and report.numbers == {"word": 17}
    assert Catalog.load(root).get("LEAVE 11").title == "条款11"
    assert text.count("员工休假管理办法") == 2  # title in the front matter and as the H1, not again


def test_decimal_headings_numbered_through_their_styles(make_repo, tmp_path: Path) -> None:
    b = DocxBuilder()
    heads = b.list(
        {"fmt": "decimal", "text": "%1", "style": "Heading1"}, {"fmt": "decimal", "text": "%1.%2", "style": "Heading2"}
    )
    b.style_numbering("Heading 1", heads, 0)
    b.style_numbering("Heading 2", heads, 1)
    b.para("Sales Policy", style="Title")
    for chapter, subs in (("Prices", ["List prices", "Price protection"]), ("Rebates", ["Tiers", "Payment", "Expiry"])):
        b.para(chapter, style="Heading 1")
        for sub in subs:
            b.para(sub, style="Heading 2")
            b.para(f"The rule on {sub.lower()}.")
    path = b.save(tmp_path / "sales.docx")
    assert "2.3" not in _document_xml(path)
    root = make_repo({})
    report, text = _import(root, path, policy="SALES", owner="Sales", language="en")
    assert "## 2 Rebates" in text and "### 2.3 Expiry" in text
    assert _keys(root) == ["SALES 1", "SALES 1.1", "SALES 1.2", "SALES 2", "SALES 2.1", "SALES 2.2", "SALES 2.3"]
    assert report.by_kind == {"section": 7}


def test_english_articles_restarts_and_a_new_list_instance(make_repo, tmp_path: Path) -> None:
    b = DocxBuilder()
    abstract = b.abstract(
        {"fmt": "decimal", "text": "Article %1."}, {"fmt": "lowerLetter", "text": "(%2)", "restart": 0}
    )
    first = b.num(abstract)
    b.para("Travel Rules", style="Title")
    b.para("Claims are filed within 30 days.", num=first)
    b.para("Receipts are kept:", num=first)
    b.para("for taxis;", num=first, ilvl=1)
    b.para("Taxis are reimbursed:", num=first)
    b.para("with a receipt.", num=first, ilvl=1)  # lvlRestart 0: (c), not (a)
    b.para("Hotels are capped.", num=b.num(abstract))  # another w:num of the same list continues: 4
    b.para("Per diem is paid.", num=b.num(abstract, {0: 10}))  # startOverride: a list of its own from 10
    root = make_repo({})
    _, text = _import(root, b.save(tmp_path / "travel.docx"), policy="TRAVEL", owner="Finance")
    assert "**Article 1.** Claims" in text and "**Article 4.** Hotels" in text and "**Article 10.** Per diem" in text
    assert "(a) for taxis;" in text and "(b) with a receipt." in text
    assert _keys(root) == ["TRAVEL 1", "TRAVEL 2", "TRAVEL 3", "TRAVEL 4", "TRAVEL 10"]


def test_items_restart_under_each_article_and_typed_numbers_count(make_repo, tmp_path: Path) -> None:
    b = DocxBuilder()
    lists = regulation(b)
    b.para("第一条 经销商应遵守以下规定：")  # typed by hand
    b.para("按时付款；", num=lists["article"], ilvl=1)
    b.para("第二条 返利规则如下：")
    b.para("按季度核算。", num=b.num(lists["abstract"], {1: 1}), ilvl=1)  # a new num restarting the items: （一）
    b.para("第十五条 附则。")
    b.para("第十三条 本办法自发布之日起施行。")  # out of order
    root = make_repo({})
    report, text = _import(root, b.save(tmp_path / "qd.docx"), policy="QD", title="渠道办法")
    assert "**第一条** 经销商应遵守以下规定：" in text and "（一）按季度核算。" in text
    assert report.numbers == {"typed": 4, "word": 2}
    (order,) = [p for p in report.problems if p.code is Code.IMPORT_ORDER]
    assert (
        order.line == 6
        and order.message == "第十三条 comes after 第十五条 (paragraph 6, '第十三条 本办法自发布之日起施行。')"
    )


def test_a_table_with_merged_cells_bold_italic_footnotes_and_an_image(make_repo, tmp_path: Path) -> None:
    b = DocxBuilder()
    note = b.footnote("以财务中心公布的汇率为准。")
    b.para("标准", style="Heading 1")
    p = b.para("出差补贴")
    p.runs[0].bold = True
    p.add_run("按天计算，").italic = True
    b.para("金额见下表", xml=note)
    table = b.doc.add_table(rows=3, cols=3)
    for r, row in enumerate([["城市", "员工", "经理"], ["一线", "550", "800"], ["第二条 二线", "450", "650"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(0, 1).merge(table.cell(0, 2))
    image = tmp_path / "dot.png"
    image.write_bytes(_png())
    b.doc.add_picture(str(image))
    b.doc.inline_shapes[0]._inline.docPr.set("descr", "城市等级示意图")
    root = make_repo({})
    report, text = _import(root, b.save(tmp_path / "trip.docx"), policy="TRIP", title="差旅办法")
    assert "**出差补贴***按天计算，*" in text
    assert "金额见下表[^1]" in text and "[^1]: 以财务中心公布的汇率为准。" in text
    assert "| 城市 | 员工 经理 |  |" in text and "| 一线 | 550 | 800 |" in text
    assert "| 第二条 二线 | 450 | 650 |" in text and _keys(root) == []  # a cell's 第二条 is not an article
    assert any(p.code is Code.IMPORT_MERGED_CELLS for p in report.problems)
    assert report.images == ["policies/trip-media/image1.png"] and "![城市等级示意图](trip-media/image1.png)" in text
    assert (root / "policies/trip-media/image1.png").read_bytes() == image.read_bytes()
    assert report.footnotes == 1
    result = CliRunner().invoke(cli, ["check", "--root", str(root)])
    assert result.exit_code == 0 and "0 error(s)" in result.output, result.output


def test_dropped_things_are_reported_and_tracked_changes_accepted(make_repo, tmp_path: Path) -> None:
    b = DocxBuilder()
    b.para(
        "",
        xml='<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \\o "1-3" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>第一条 目的……1</w:t></w:r>',
    )
    b.para("第二条 范围……2", xml='<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    b.para("第一条 为规范休假，制定本办法。", xml='<w:r><w:br w:type="page"/></w:r>')
    b.para(
        "第二条 年假",
        xml='<w:ins w:id="1" w:author="a"><w:r><w:t>须提前三天</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a"><w:r><w:delText>可随时</w:delText></w:r></w:del>'
        "<w:r><w:t>申请。</w:t></w:r>" + b.comment("三天还是五天？"),
    )
    b.doc.sections[0].header.paragraphs[0].text = "内部资料 注意保密"
    root = make_repo({})
    report, text = _import(root, b.save(tmp_path / "leave.docx"), title="休假办法")
    assert "目的……1" not in text and "范围……2" not in text
    assert "**第二条** 年假须提前三天申请。" in text and "可随时" not in text and "三天还是五天" not in text
    dropped = [p.message for p in report.problems if p.code is Code.IMPORT_DROPPED]
    assert any(m.startswith("table of contents dropped (paragraph 1)") for m in dropped)
    assert "page break dropped (paragraph 3, '第一条 为规范休假，制定本办法。')" in dropped
    assert "header dropped: '内部资料 注意保密'" in dropped
    assert "1 comment(s) left out" in dropped
    assert any("tracked change(s) imported as accepted" in m for m in dropped)
    assert _keys(root) == ["LEAVE 1", "LEAVE 2"]


def test_untrusted_text_stays_text(make_repo, tmp_path: Path) -> None:
    b = DocxBuilder()
    b.para("第一条 <script>alert(1)</script> 与 {clause}`X 1` 以及 [链接](javascript:alert(1))")
    b.para("# 不是标题")
    root = make_repo({})
    _, text = _import(root, b.save(tmp_path / "x.docx"), title="测试")
    assert "<script>" not in text and "\\<script\\>" in text and "\\{clause\\}" in text and "\\[链接\\]" in text
    assert "\n\\# 不是标题" in text
    result = CliRunner().invoke(cli, ["check", "--root", str(root)])
    assert result.exit_code == 0, result.output


def test_the_cli_imports_checks_and_a_new_version_diffs_clause_by_clause(make_repo, tmp_path: Path) -> None:
    root = make_repo({".gitignore": ".policy-cache/\n"})
    repo = git.Repo.init(root)
    path = _regulation_docx(tmp_path / "休假办法.docx")
    runner = CliRunner()
    args = [
        "import",
        str(path),
        "--root",
        str(root),
        "--policy",
        "LEAVE",
        "--version",
        "1.0",
        "--effective",
        "2026-01-01",
        "--owner",
        "人力资源部",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "policies/leave.md (written): policy LEAVE, 15 clauses (12 articles, 3 items)" in result.output
    assert runner.invoke(cli, ["check", "--root", str(root)]).exit_code == 0
    repo.index.add(["policies/leave.md", ".gitignore"])
    repo.index.commit("LEAVE 1.0")
    again = runner.invoke(cli, ["import", str(path), "--root", str(root)])  # same document: nothing changes
    assert again.exit_code == 0 and "(unchanged)" in again.output
    as_json = json.loads(runner.invoke(cli, ["import", str(path), "--root", str(root), "--json"]).output)
    assert as_json["changed"] is False and as_json["by_kind"] == {"article": 12, "item": 3}
    assert repo.git.status("--porcelain") == ""
    # version 1.1 in Word: article 5 reworded; the file keeps id, owner and title from the first import
    new = _regulation_docx(tmp_path / "v11.docx", {5: "【条款5】 第5条的新内容。"})
    result = runner.invoke(
        cli, ["import", str(new), "--root", str(root), "--version", "1.1", "--effective", "2026-07-01"]
    )
    assert result.exit_code == 0, result.output
    changed = [
        line
        for line in repo.git.diff("--unified=0").splitlines()
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == [
        '-version: "1.0"',
        "-effective: 2026-01-01",
        '+version: "1.1"',
        "+effective: 2026-07-01",
        "-**第五条** 【条款5】 第5条的内容。",
        "+**第五条** 【条款5】 第5条的新内容。",
    ]
    repo.index.add(["policies/leave.md"])
    repo.index.commit("LEAVE 1.1")
    diff = runner.invoke(cli, ["diff", "LEAVE", "HEAD~1", "HEAD", "--root", str(root)])
    assert diff.exit_code == 0, diff.output
    assert "0 added, 0 removed, 1 changed, 0 renumbered, 14 unchanged" in diff.output
    assert re.search(r"^changed +5 ", diff.output, re.MULTILINE) and "第5条的{+新+}内容" in diff.output


def test_bad_files_are_clear_errors_and_write_nothing(make_repo, tmp_path: Path) -> None:
    root = make_repo({})
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    cases = {
        "old.doc": (ole + b"WordDocument".ljust(64, b"\0"), Code.IMPORT_DOC_BINARY),
        "locked.docx": (ole + "EncryptedPackage".encode("utf-16-le"), Code.IMPORT_ENCRYPTED),
        "notes.docx": ("这是一个文本文件".encode(), Code.IMPORT_NOT_DOCX),
    }
    for name, (data, _code) in cases.items():
        (tmp_path / name).write_bytes(data)
    sheet = tmp_path / "sheet.docx"
    with zipfile.ZipFile(sheet, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    cases["sheet.docx"] = (b"", Code.IMPORT_NOT_DOCX)
    empty = DocxBuilder()
    empty.para("")
    empty.save(tmp_path / "empty.docx")
    cases["empty.docx"] = (b"", Code.IMPORT_EMPTY)
    for name, (_, code) in cases.items():
        with pytest.raises(PolicyToolError) as err:
            import_docx(root, tmp_path / name, **META)
        assert [p.code for p in err.value.problems] == [code], name
        assert err.value.problems[0].file == str(tmp_path / name)
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "old.doc"), "--root", str(root)])
    assert result.exit_code == 1 and "soffice --headless --convert-to docx" in result.output
    path = _regulation_docx(tmp_path / "ok.docx")
    with pytest.raises(PolicyToolError) as err:
        import_docx(root, path, policy="LEAVE")
    assert sorted(p.message for p in err.value.problems) == [
        "front-matter 'effective' is missing: pass --effective",
        "front-matter 'owner' is missing: pass --owner",
        "front-matter 'version' is missing: pass --version",
    ]
    with pytest.raises(PolicyToolError) as err:
        import_docx(root, path, **META, out=root.parent / "elsewhere.md")
    assert err.value.problems[0].code is Code.IMPORT_OUT
    (root / "policies" / "link.md").symlink_to(tmp_path / "outside.md")  # a link out of the repository
    with pytest.raises(PolicyToolError) as err:
        import_docx(root, path, **META, out=root / "policies" / "link.md")
    assert err.value.problems[0].code is Code.IMPORT_OUT and not (tmp_path / "outside.md").exists()
    (root / "policies" / "link.md").unlink()
    assert list((root / "policies").iterdir()) == []


@pytest.mark.parametrize("name", ["sales-policy.md", "travel-policy.md", "rebate-rules.md"])
def test_the_example_policies_survive_word_and_back(name: str, make_repo, tmp_path: Path) -> None:
    source = (ROOT / "policies" / name).read_text(encoding="utf-8")
    original = make_repo({f"policies/{name}": source}, name="original")
    path = policy_to_docx(source, tmp_path / name.replace(".md", ".docx"))
    root = make_repo({}, name="imported")
    meta = Catalog.load(original).policies[0]
    import_docx(
        root,
        path,
        policy=meta.id,
        version=meta.meta.version,
        effective=str(meta.meta.effective),
        owner=meta.meta.owner,
        title=meta.meta.title,
        out=root / "policies" / name,
    )
    before = {c.key: c for c in Catalog.load(original).clauses}
    after = {c.key: c for c in Catalog.load(root).clauses}
    assert len(after) >= 0.95 * len(before) and set(after) <= set(before) | set(after)
    same = [k for k in before if k in after]
    assert len(same) >= 0.95 * len(before), sorted(set(before) - set(after))[:10]
    similarity = sum(fuzz.ratio(before[k].text, after[k].text) for k in same) / len(same)
    assert similarity >= 90, similarity


def test_a_document_libreoffice_wrote(make_repo) -> None:
    """tests/fixtures/leave-libreoffice.docx is LibreOffice 7.4's own export of the .fodt beside it
    (soffice --headless --convert-to docx): its 一, 二, 三 lists come as taiwaneseCountingThousand,
    and its core-properties relationship is spelled so that python-docx does not find the title."""
    path = ROOT / "tests" / "fixtures" / "leave-libreoffice.docx"
    assert (
        "第六条" not in _document_xml(path)
        and "taiwaneseCountingThousand" in zipfile.ZipFile(path).read("word/numbering.xml").decode()
    )
    root = make_repo({})
    report, text = _import(root, path)
    assert "title: 员工休假管理办法" in text and "## 第二章 年休假" in text and "（三）已满20年的，年休假15天。" in text
    assert _keys(root) == [
        "LEAVE 1",
        "LEAVE 2",
        "LEAVE 3",
        "LEAVE 3(1)",
        "LEAVE 3(2)",
        "LEAVE 3(3)",
        "LEAVE 4",
        "LEAVE 5",
        "LEAVE 6",
    ]
    assert report.problems == []


def test_outline_levels_make_headings_and_a_style_can_switch_numbering_off(make_repo, tmp_path: Path) -> None:
    b = DocxBuilder()
    heads = b.list(
        {"fmt": "decimal", "text": "%1", "style": "Heading1"}, {"fmt": "decimal", "text": "%1.%2", "style": "Heading2"}
    )
    b.style_numbering("Heading 1", heads, 0)
    b.style_numbering("Heading 2", heads, 1)
    b.para("General", style="Heading 1")
    b.para("Scope")._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W_NS} w:val="1"/>'))  # no Heading style
    b.para("Unnumbered note", style="Heading 2")
    b.doc.paragraphs[-1]._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = 0
    b.para("Definitions", style="Heading 2")
    root = make_repo({})
    _, text = _import(root, b.save(tmp_path / "o.docx"), policy="GEN", title="General Rules", language="en")
    assert "## 1 General" in text and "### Scope" in text and "### Unnumbered note" in text
    assert "### 1.1 Definitions" in text
