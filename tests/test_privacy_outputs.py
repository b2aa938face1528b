"""No personal data past the scrubber: plant every form people write (Chinese and English, in
several input formats), run the whole loop — ingest, export, draft with the real ``openai``
client against a local server, show, gaps, propose, a drafts build — and grep every output,
including every request the LLM received, for every planted value."""

from __future__ import annotations

import datetime as dt
import json
import mailbox
import unicodedata
from email.message import EmailMessage
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from tooling.cli import cli

from .llm_server import Server

PLANTED = {
    # value as written -> where it hides
    "139.1234.5678": "dotted mobile number",
    "１３７１２３４５６７８": "full-width mobile number",
    "13812345678": "mobile number as an asker",
    "lisa＠example.com": "e-mail with a full-width at sign",
    "zhang@例子.中国": "e-mail with an IDN domain",
    "110105491231002": "15-digit ID number",
    "wxid_abcd1234": "WeChat wxid",
    "zhangmin_88": "WeChat id after 微信号",
    "987654321": "QQ number",
    "王小明": "name after 我叫",
    "陈晨": "name after 我是…销售",
    "李娜": "name in a signature",
    "Lisa Chen": "name after 'this is'",
    "Tom Baker": "name after 'my name is'",
    "zhang.wei": "login as an asker",
    "lisa.chen@corp.example": "sender address",
    "m-2041.lisa.chen@corp.example": "Message-ID holding an address",
}


def _corpus(inbox: Path) -> None:
    inbox.mkdir()
    (inbox / "form.csv").write_text(
        "提问时间,提问人,问题\n"
        "2026-03-02 09:00,13812345678,返利什么时候到账？有事打我139.1234.5678\n"
        "2026-03-02 09:30,华东区,返利什么时候到账呀，我的手机１３７１２３４５６７８\n"
        "2026-03-03 10:00,zhang.wei,我叫王小明，窜货第二次罚多少？\n"
        "2026-03-03 11:00,sales-007,窜货第二次罚多少？加我微信 wxid_abcd1234\n",
        encoding="utf-8",
    )
    (inbox / "wecom.jsonl").write_text(
        "".join(
            json.dumps(r, ensure_ascii=False) + "\n"
            for r in [
                {
                    "id": "w1",
                    "asked_at": "2026-03-04T10:00:00+08:00",
                    "asker": "zhang.wei",
                    "text": "返利什么时候到账？微信号：zhangmin_88，身份证110105491231002",
                },
                {
                    "id": "w2",
                    "asked_at": "2026-03-04T11:00:00+08:00",
                    "asker": "13812345678",
                    "text": "我是华北区销售陈晨，返利什么时候到账？QQ 987654321",
                },
                {
                    "id": "w3",
                    "asked_at": "2026-03-05T11:00:00+08:00",
                    "asker": "sales-009",
                    "text": "窜货第二次罚多少？请发邮件到 zhang@例子.中国 谢谢。华东区 李娜",
                },
            ]
        ),
        encoding="utf-8",
    )
    box = mailbox.mbox(inbox / "finance.mbox")
    for n, (body, sender) in enumerate(
        [
            (
                "Hi, this is Lisa Chen from finance. What is the hotel cap in Shanghai? lisa＠example.com",
                "Lisa Chen <lisa.chen@corp.example>",
            ),
            ("My name is Tom Baker. What is the hotel cap in Shanghai for a manager?", "Tom Baker <tom@corp.example>"),
        ]
    ):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, "finance@corp.example", "Hotel cap"
        message["Message-ID"] = f"<m-204{n + 1}.lisa.chen@corp.example>"
        message["Date"] = f"Mon, 0{n + 2} Mar 2026 10:15:00 +0800"
        message.set_content(body)
        box.add(message)
    box.flush()


def _leaks(name: str, text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text)
    return [
        f"{name}: {kind} ({value})"
        for value, kind in PLANTED.items()
        if value in text or unicodedata.normalize("NFKC", value) in folded
    ]


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


def test_no_planted_value_reaches_any_output(
    example_repo: Path, tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICY_MATCHING_SEMANTIC", "off")
    monkeypatch.setenv("POLICY_ASKER_KEY", "privacy-test-key")
    monkeypatch.setenv("POLICY_LLM_BASE_URL", server.url)
    monkeypatch.setenv("POLICY_LLM_MODEL", "test-model")
    monkeypatch.setenv("POLICY_LLM_API_KEY_ENV", "TEST_LLM_KEY")
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test")
    root = example_repo
    (root / ".gitignore").write_text("questions.db*\n.policy-cache/\n_build/\ninbox/\n", encoding="utf-8")
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Policy Bot")
        cw.set_value("user", "email", "bot@example.com")
    repo.index.add([".gitignore", *(f"policies/{p.name}" for p in sorted((root / "policies").iterdir()))])
    repo.index.commit("policies")
    _corpus(root / "inbox")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--help"] if not args else list(args), catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
        return result.output

    outputs: dict[str, str] = {}
    outputs["ingest"] = run("questions", "ingest", "--root", str(root), str(root / "inbox"))
    assert "stored 9" in outputs["ingest"], outputs["ingest"]
    run("questions", "export", "--root", str(root), "--out", str(tmp_path / "export.jsonl"))
    outputs["export"] = (tmp_path / "export.jsonl").read_text(encoding="utf-8")
    for policy in ("TRAVEL", "SALES"):
        outputs[f"draft {policy}"] = run(
            "faq", "draft", "--root", str(root), "--policy", policy, "--drafter", "openai", "--min-askers", "1"
        )
        outputs[f"gaps {policy}"] = run("faq", "gaps", "--root", str(root), "--policy", policy)
        outputs[f"show {policy}"] = run("faq", "show", "--root", str(root), "--policy", policy, "--json")
        for page in (root / "faq").glob("*.md"):
            outputs[f"FAQ page {policy} {page.name}"] = page.read_text(encoding="utf-8")
        outputs[f"propose {policy}"] = run(
            "faq", "propose", "--root", str(root), "--policy", policy, "--out", str(tmp_path / f"pr-{policy}.md")
        )
        outputs[f"PR description {policy}"] = (tmp_path / f"pr-{policy}.md").read_text(encoding="utf-8")
        outputs[f"commit {policy}"] = repo.git.show("HEAD")
        if policy == "TRAVEL":
            repo.git.checkout("main")
            repo.git.merge(f"faq/travel-{dt.date.today().isoformat()}")
    assert len(server.requests) >= 3  # the LLM really was asked
    outputs["LLM requests"] = json.dumps(server.requests, ensure_ascii=False)
    outputs["build"] = run("build", "--root", str(root), "--drafts", "--out", str(tmp_path / "site"))
    for page in (tmp_path / "site").rglob("*"):
        if page.suffix in (".html", ".js", ".json", ".txt"):
            outputs[f"site {page.relative_to(tmp_path / 'site')}"] = page.read_text(encoding="utf-8", errors="replace")
    # the loop really ran: questions drafted into entries, with their scrubbed text shown
    assert "[电话]" in outputs["export"] and "[姓名]" in outputs["export"] and "[name]" in outputs["export"]
    assert any("{faq}" in text for name, text in outputs.items() if name.startswith("FAQ page"))
    leaks = [leak for name, text in outputs.items() for leak in _leaks(name, text)]
    assert leaks == []
