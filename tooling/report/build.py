"""``policy report``: the owners' dashboard, one static HTML file that works offline (inline CSS,
charts as inline SVG, no script). For each policy: questions per week, the top clusters with
their status and FAQ entry, the gaps, and the deflection of every answered cluster
(:mod:`.deflection`). Question text is scrubbed in the store and escaped here.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from ..catalog import Catalog
from ..config import load_settings
from ..errors import Code, PolicyToolError
from ..faq.draft import answered, load_clusters
from ..faqpage import approved_entries
from ..paths import write_output
from ..questions.store import open_store, store_location
from .deflection import Deflection, deflection, week_of


class TopicRow(BaseModel):
    cluster: str
    representative: str
    size: int
    askers: int
    status: str  # answered | covered | gap
    clauses: list[str] = Field(default_factory=list)
    entry: str | None = None
    entry_url: str | None = None
    approved: dt.date | None = None
    # answered rows, since the approval day: site searches that ended on the entry, questions still sent
    searches: int | None = None
    asked_after: int | None = None


class PolicyReport(BaseModel):
    policy: str
    title: str
    weekly: list[tuple[dt.date, int]]
    top: list[TopicRow]
    gaps: list[TopicRow]
    answered: list[TopicRow]  # every cluster with an approved entry (the deflection rows)
    deflection: Deflection


class Report(BaseModel):
    generated: dt.date
    language: str
    questions: int
    policies: list[PolicyReport]
    overall: Deflection
    searches: int = 0  # every reported search that ended on a result, any entry or clause
    searches_on_entries: int = 0  # of the answered rows: searches that ended on their entry
    asked_after: int = 0  # of the answered rows: questions still sent after approval


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def build_report(root: Path, top: int = 15, today: dt.date | None = None, db: Path | str | None = None) -> Report:
    """The report of the store at ``db`` (default: the repository's ``questions_db``)."""
    catalog = Catalog.load(root)
    try:
        with open_store(db or store_location(root, catalog.settings.questions_db)) as store:
            opened = list(store.searches())
            clusters, records, _ = load_clusters(root, catalog, store)
    except PolicyToolError as exc:  # an empty store is an empty report; anything else is an error
        if any(p.code is not Code.FAQ_NO_QUESTIONS for p in exc.problems):
            raise
        clusters, records = [], {}
    on_entry: dict[str, list[dt.date]] = {}
    for s in opened:
        if s.kind == "faq":
            on_entry.setdefault(s.target, []).append(s.at.date())
    entries = approved_entries(root, catalog)
    rows: dict[str, TopicRow] = {}
    for c in clusters:
        entry = next((e for e in entries if answered(c, [e])), None)
        rows[c.id] = TopicRow(
            cluster=c.id,
            representative=c.representative,
            size=c.size,
            askers=c.askers,
            status="answered" if entry else ("covered" if c.covered else "gap"),
            clauses=c.clauses,
            entry=entry.id if entry else None,
            entry_url=entry.url if entry else None,
            approved=_date(entry.reviewed_on) if entry else None,
        )
        row = rows[c.id]
        if entry and row.approved:
            row.searches = sum(day >= row.approved for day in on_entry.get(entry.id, []))
            row.asked_after = sum(records[q].asked_at.date() >= row.approved for q in c.question_ids if q in records)
    events = [(c.id, records[q].asked_at) for c in clusters for q in c.question_ids if q in records]
    approved = {cid: r.approved for cid, r in rows.items() if r.approved}
    policies = []
    for policy in catalog.policies:
        mine = [c for c in clusters if c.policy == policy.id]
        ids = {c.id for c in mine}
        weekly = Counter(week_of(records[q].asked_at) for c in mine for q in c.question_ids if q in records)
        # comparison: every unanswered cluster of the store; treated: this policy's answered ones
        own_events = [(t, w) for t, w in events if t in ids or t not in approved]
        policies.append(
            PolicyReport(
                policy=policy.id,
                title=policy.meta.title,
                weekly=sorted(weekly.items()),
                top=[rows[c.id] for c in mine[:top]],
                gaps=[rows[c.id] for c in mine if rows[c.id].status == "gap"][:top],
                answered=[rows[c.id] for c in mine if c.id in approved],
                deflection=deflection(own_events, {t: d for t, d in approved.items() if t in ids}),
            )
        )
    measured = [r for r in rows.values() if r.searches is not None]
    return Report(
        generated=today or dt.date.today(),
        language=catalog.settings.language,
        questions=len(records),
        policies=policies,
        overall=deflection(events, approved),
        searches=len(opened),
        searches_on_entries=sum(r.searches or 0 for r in measured),
        asked_after=sum(r.asked_after or 0 for r in measured),
    )


# -- HTML -----------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.55 system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.4em 0}h2{font-size:1.2rem;margin:1.6em 0 .4em;border-bottom:1px solid #d8dce3}
h3{font-size:1rem;margin:1.2em 0 .3em}
.summary{background:#fff;border-left:4px solid #2459d6;padding:10px 14px;font-size:1.05rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{border-bottom:1px solid #e4e7ec;padding:5px 8px;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap}
.gap{color:#b42318}.answered{color:#067647}.covered{color:#8a6d00}
svg{max-width:100%;height:auto;background:#fff}
.muted{color:#667085;font-size:.85rem}
"""

_T = {
    "zh": {
        "title": "提问与回答报告",
        "generated": "生成于",
        "questions": "条提问",
        "weekly": "每周提问数",
        "top": "提问最多的主题",
        "gaps": "制度未回答的问题",
        "deflection": "发布后的效果（每个已回答主题）",
        "topic": "问题",
        "approved_on": "批准",
        "asked": "次",
        "askers": "人",
        "status": "状态",
        "entry": "FAQ",
        "before": "之前 每周",
        "after": "之后 每周",
        "control": "对照 前→后",
        "effect": "变化",
        "weeks": "周数",
        "none": "无",
        "answered": "已回答",
        "covered": "制度有答案",
        "gap": "未覆盖",
        "ended": "搜索→条目 / 仍提问",
        "searches_none": "站内搜索落在 FAQ 条目上的次数：尚无记录（把 collector_url 指向 policy serve 的 /api/questions 后开始收集）。",
        "searches": "站内搜索：批准后有{s}次搜索落在已回答主题的 FAQ 条目上，同期这些主题仍收到{q}个提问"
        "（{pct}%的人自己找到了答案）。",
    },
    "en": {
        "title": "Questions and answers report",
        "generated": "generated",
        "questions": "questions",
        "weekly": "Questions per week",
        "top": "Most-asked topics",
        "gaps": "Gaps: asked, not answered by the policy",
        "deflection": "After publication (each answered topic)",
        "topic": "Question",
        "approved_on": "approved",
        "asked": "asked",
        "askers": "askers",
        "status": "status",
        "entry": "FAQ",
        "before": "before /wk",
        "after": "after /wk",
        "control": "comparison before→after",
        "effect": "change",
        "weeks": "weeks",
        "none": "none",
        "answered": "answered",
        "covered": "policy answers",
        "gap": "gap",
        "ended": "searches→entry / still asked",
        "searches_none": "Site searches ending on an FAQ entry: none reported yet (point collector_url at "
        "policy serve's /api/questions to collect them).",
        "searches": "Site searches: {s} ended on an answered topic's FAQ entry after its approval, while {q} "
        "questions were still sent on those topics ({pct}% found the answer themselves).",
    },
}


def _chart(weekly: list[tuple[dt.date, int]], label: str) -> str:
    """Bars of questions per week, as SVG (no script)."""
    if not weekly:
        return ""
    start, end = weekly[0][0], weekly[-1][0]
    counts = dict(weekly)
    weeks = [start + dt.timedelta(weeks=i) for i in range((end - start).days // 7 + 1)]
    peak = max(counts.values()) or 1
    width, height, pad = 640, 160, 24
    bar = (width - 2 * pad) / len(weeks)
    bars = "".join(
        f'<rect x="{pad + i * bar:.1f}" y="{height - pad - (counts.get(w, 0) / peak) * (height - 2 * pad):.1f}" '
        f'width="{max(bar - 1, 1):.1f}" height="{(counts.get(w, 0) / peak) * (height - 2 * pad):.1f}" fill="#2459d6">'
        f"<title>{w.isoformat()}: {counts.get(w, 0)}</title></rect>"
        for i, w in enumerate(weeks)
    )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(label)}">'
        f'{bars}<text x="{pad}" y="{height - 6}" font-size="11">{start.isoformat()}</text>'
        f'<text x="{width - pad}" y="{height - 6}" font-size="11" text-anchor="end">{end.isoformat()}</text>'
        f'<text x="{pad}" y="14" font-size="11">max {peak}</text></svg>'
    )


def _topics(rows: list[TopicRow], t: dict[str, str], base_url: str) -> str:
    if not rows:
        return f'<p class="muted">{t["none"]}</p>'
    body = "".join(
        f"<tr><td>{html.escape(r.representative)}</td><td class='n'>{r.size}</td><td class='n'>{r.askers}</td>"
        f"<td class='{r.status}'>{t[r.status]}{' · ' + html.escape(', '.join(r.clauses)) if r.clauses else ''}</td>"
        f"<td>{_link(r, base_url)}</td></tr>"
        for r in rows
    )
    return (
        f"<div class='scroll'><table><tr><th>{t['topic']}</th><th>{t['asked']}</th><th>{t['askers']}</th>"
        f"<th>{t['status']}</th><th>{t['entry']}</th></tr>{body}</table></div>"
    )


def _link(row: TopicRow, base_url: str) -> str:
    if not row.entry:
        return ""
    return f"<a href='{html.escape(base_url + (row.entry_url or ''), quote=True)}'>{html.escape(row.entry)}</a>"


def _deflection(d: Deflection, rows: dict[str, TopicRow], t: dict[str, str]) -> str:
    if not d.topics:
        return f'<p class="muted">{t["none"]}</p>'
    body = ""
    for r in d.topics:
        row = rows.get(r.topic)
        name = html.escape(row.representative if row else r.topic)
        control = (
            f"{r.control_before:.1f}→{r.control_after:.1f}"
            if r.control_before is not None and r.control_after is not None
            else "—"
        )
        effect = (
            f"{-100 * r.effect:+.0f}%"
            if r.effect is not None
            else f"— <span class='muted'>{html.escape(r.why_none)}</span>"
        )
        ended = f"{row.searches} / {row.asked_after}" if row and row.searches is not None else "—"
        body += (
            f"<tr><td>{name}</td><td>{r.approved.isoformat()}</td><td class='n'>{r.weeks_before}+{r.weeks_after}</td>"
            f"<td class='n'>{r.before:.1f}</td><td class='n'>{r.after:.1f}</td><td class='n'>{control}</td>"
            f"<td>{effect}</td><td class='n'>{ended}</td></tr>"
        )
    return (
        f"<div class='scroll'><table><tr><th>{t['topic']}</th><th>{t['approved_on']}</th><th>{t['weeks']}</th><th>{t['before']}</th>"
        f"<th>{t['after']}</th><th>{t['control']}</th><th>{t['effect']}</th><th>{t['ended']}</th></tr>{body}</table></div>"
    )


def _searches(report: Report, t: dict[str, str]) -> str:
    """Searches that ended on an answered topic's entry, against questions still sent on it."""
    seen, asked = report.searches_on_entries, report.asked_after
    if not report.searches or not seen + asked:
        return t["searches_none"]
    return t["searches"].format(s=seen, q=asked, pct=round(100 * seen / (seen + asked)))


def render(report: Report, base_url: str = "") -> str:
    zh = report.language == "zh"
    t = _T["zh" if zh else "en"]
    rows = {r.cluster: r for p in report.policies for r in p.top + p.gaps + p.answered}
    parts = [
        (
            f"<h1>{t['title']}</h1><p class='muted'>{t['generated']} {report.generated.isoformat()} · "
            f"{report.questions} {t['questions']}</p>"
        ),
        f"<p class='summary'>{html.escape(report.overall.summary(zh))}</p>",
        f"<p class='muted'>{html.escape(_searches(report, t))}</p>",
    ]
    for p in report.policies:
        parts.append(f"<section><h2>{html.escape(p.title)} <span class='muted'>{html.escape(p.policy)}</span></h2>")
        parts.append(f"<p class='summary'>{html.escape(p.deflection.summary(zh))}</p>")
        parts.append(f"<h3>{t['weekly']}</h3>{_chart(p.weekly, t['weekly'])}")
        parts.append(f"<h3>{t['top']}</h3>{_topics(p.top, t, base_url)}")
        parts.append(f"<h3>{t['gaps']}</h3>{_topics(p.gaps, t, base_url)}")
        parts.append(f"<h3>{t['deflection']}</h3>{_deflection(p.deflection, rows, t)}</section>")
    return (
        f"<!doctype html><html lang='{'zh-CN' if zh else 'en'}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{t['title']}</title><style>{_CSS}</style></head><body><main>{''.join(parts)}</main></body></html>"
    )


def write_report(
    root: Path, out: Path, today: dt.date | None = None, db: Path | str | None = None
) -> tuple[Path, Report]:
    """Build the report and write ``out/index.html`` (checked and renamed into place, as every
    ``--out`` is)."""
    settings = load_settings(root)
    report = build_report(root, today=today, db=db)
    return write_output(root, out / "index.html", settings, render(report, settings.html_baseurl)), report
