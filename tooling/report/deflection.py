"""Did answering once cut repeat questions? Weekly question rates of each answered topic before
and after its FAQ entry was approved, against the topics with no entry over the same weeks
(a difference in differences, taken as a ratio of ratios so that topics of any size compare):

    effect = 1 − (after_t / before_t) / (after_c / before_c)

``after_t`` is the mean weekly count of the topic's questions in the weeks after the approval
week, ``before_t`` in the weeks before it; ``_c`` is the same for all unanswered topics together.
A company-wide rise or fall in questions (a holiday, a new hire wave) moves both, and cancels.
A figure rests on at least ``MIN_WEEKS`` weeks on each side and ``MIN_BEFORE`` questions before;
with less, it is not given.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from pydantic import BaseModel

MIN_WEEKS = 4
MIN_BEFORE = 5


def week_of(when: dt.datetime | dt.date) -> dt.date:
    day = when.date() if isinstance(when, dt.datetime) else when
    return day - dt.timedelta(days=day.weekday())


class TopicDeflection(BaseModel):
    topic: str
    approved: dt.date
    weeks_before: int
    weeks_after: int
    before: float  # mean questions a week
    after: float
    control_before: float | None = None
    control_after: float | None = None
    effect: float | None = None  # None: too thin to say
    why_none: str = ""


class Deflection(BaseModel):
    topics: list[TopicDeflection]
    effect: float | None = None  # pooled over the topics with a figure
    topics_measured: int = 0
    weeks: int = 0  # weeks the data spans

    def summary(self, zh: bool = False) -> str:
        if self.effect is None:
            return (
                f"发布后的效果：数据还不够（每个已回答主题前后各需至少{MIN_WEEKS}周）"
                if zh
                else f"After publication: not enough data yet (each answered topic needs {MIN_WEEKS}+ weeks either side)"
            )
        pct = round(100 * self.effect)
        if zh:
            return (
                f"发布后，已回答主题的重复提问{'减少' if pct >= 0 else '增加'}了{abs(pct)}%"
                f"（{self.topics_measured}个主题，{self.weeks}周）"
            )
        return (
            f"After publication, repeat questions on answered topics {'fell' if pct >= 0 else 'rose'} by {abs(pct)}% "
            f"({self.topics_measured} clusters, {self.weeks} weeks)"
        )


def _mean(counts: Counter, weeks: list[dt.date]) -> float:
    return sum(counts[w] for w in weeks) / len(weeks) if weeks else 0.0


def deflection(
    events: Iterable[tuple[str, dt.datetime]], approved: dict[str, dt.date], last_week: dt.date | None = None
) -> Deflection:
    """``events``: (topic, asked at) of every question; ``approved``: topic -> the day its entry
    was approved. Topics not in ``approved`` are the comparison."""
    by_topic: dict[str, Counter] = defaultdict(Counter)
    for topic, when in events:
        by_topic[topic][week_of(when)] += 1
    all_weeks = [w for c in by_topic.values() for w in c]
    if not all_weeks:
        return Deflection(topics=[])
    first, last = min(all_weeks), last_week or max(all_weeks)
    weeks = [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    control: Counter = Counter()
    for topic, counts in by_topic.items():
        if topic not in approved:
            control.update(counts)
    out: list[TopicDeflection] = []
    sums = [0.0, 0.0, 0.0, 0.0]  # treated before, after; control before, after (same windows)
    for topic, day in sorted(approved.items()):
        counts = by_topic.get(topic, Counter())
        cut = week_of(day)
        before = [w for w in weeks if w < cut]
        after = [w for w in weeks if w > cut]
        row = TopicDeflection(
            topic=topic,
            approved=day,
            weeks_before=len(before),
            weeks_after=len(after),
            before=_mean(counts, before),
            after=_mean(counts, after),
        )
        if len(before) < MIN_WEEKS or len(after) < MIN_WEEKS:
            row.why_none = f"needs {MIN_WEEKS}+ weeks before and after"
        elif sum(counts[w] for w in before) < MIN_BEFORE:
            row.why_none = f"fewer than {MIN_BEFORE} questions before"
        else:
            row.control_before, row.control_after = _mean(control, before), _mean(control, after)
            if not row.control_before or not row.control_after:
                row.why_none = "no comparison topics in those weeks"
            else:
                row.effect = 1 - (row.after / row.before) / (row.control_after / row.control_before)
                for i, v in enumerate((row.before, row.after, row.control_before, row.control_after)):
                    sums[i] += v
        out.append(row)
    measured = [r for r in out if r.effect is not None]
    pooled = 1 - (sums[1] / sums[0]) / (sums[3] / sums[2]) if measured else None
    return Deflection(topics=out, effect=pooled, topics_measured=len(measured), weeks=len(weeks))
