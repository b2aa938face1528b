"""The example question log shipped for the example site ingests cleanly and leaks no personal data."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from tooling.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "questions"


def test_example_log_ingests_with_exact_counts_and_scrubbed_exports(tmp_path):
    runner = CliRunner()
    first = json.loads(
        runner.invoke(cli, ["questions", "ingest", "--root", str(tmp_path), "--json", str(EXAMPLES)]).stdout
    )
    assert {f["format"] for f in first["files"]} == {"csv", "jsonl", "mbox", "chat"}
    assert first["read"] == first["stored"] + first["duplicates"] + first["rejected"]
    assert 150 <= first["read"] <= 300 and first["errors"] == []
    again = json.loads(
        runner.invoke(cli, ["questions", "ingest", "--root", str(tmp_path), "--json", str(EXAMPLES)]).stdout
    )
    assert again["stored"] == 0 and again["duplicates"] == first["stored"] + first["duplicates"]
    out = runner.invoke(cli, ["questions", "export", "--root", str(tmp_path)]).stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == first["stored"]
    assert not re.search(r"1[3-9]\d{9}|@qingyuan|\d{4} \d{4} \d{4}", out)
    assert any("[电话]" in r["text"] for r in records) and any("[邮箱]" in r["text"] for r in records)
    assert all(r["asker"] is None or r["asker"].startswith("a-") for r in records)
