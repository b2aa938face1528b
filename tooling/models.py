"""Records that cross module boundaries: policy front matter, clauses, policies."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Language = Literal["zh", "en"]
POLICY_ID_RE = re.compile(r"^[A-Z][A-Z0-9]{0,19}$")


class PolicyMeta(BaseModel):
    """The YAML front matter of a policy file. Unknown keys are errors (typos must not pass)."""

    model_config = ConfigDict(extra="forbid")

    policy: str
    title: str = Field(min_length=1)
    version: str
    effective: dt.date
    owner: str = Field(min_length=1)
    language: Language | None = None

    @field_validator("policy")
    @classmethod
    def _policy_id(cls, value: str) -> str:
        if not POLICY_ID_RE.match(value):
            raise ValueError("policy id must be A-Z and 0-9, starting with a letter (e.g. SALES)")
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> str:
        # YAML reads `version: 3.0` as a float; keep what the author wrote as text.
        if isinstance(value, (int, float)):
            return str(value)
        return value  # type: ignore[return-value]

    @field_validator("effective", mode="before")
    @classmethod
    def _strict_date(cls, value: object) -> object:
        # A datetime or a number is not an effective date; pydantic would coerce some of them.
        if isinstance(value, (dt.datetime, int, float)):
            raise ValueError("effective must be a date written as YYYY-MM-DD")
        return value


class ClauseKind(str, Enum):
    section = "section"  # numbered heading: ## 4 返利 / ### 3.1 City tiers
    article = "article"  # 第十二条 / Article 7 / § 7
    item = "item"  # （一） inside an article


class SourceRef(BaseModel):
    file: str
    line: int


class Clause(BaseModel):
    """One citable clause. ``key`` is what people write ("SALES 4.2"); ``anchor`` its HTML id."""

    policy: str
    number: str
    key: str
    anchor: str
    kind: ClauseKind
    level: int
    label: str  # how the number is shown: "4.2", "第十二条", "Article 7"
    title: str | None = None
    text: str  # plain text up to the next clause of the same or higher level
    parent: str | None = None
    doc: str  # Sphinx docname, e.g. "policies/sales-policy"
    url: str  # relative, e.g. "policies/sales-policy.html#sales-4-2"
    version: str
    language: Language
    source: SourceRef
    aliases: list[str] = Field(default_factory=list)  # explicit extra anchors given by the author
    chapter: str | None = None  # 第二章 返利计算, for regulation style
    end_line: int = 0  # last source line of the clause

    RECORD_FIELDS: ClassVar[tuple[str, ...]] = (
        "policy",
        "number",
        "key",
        "anchor",
        "title",
        "text",
        "parent",
        "doc",
        "url",
        "version",
        "language",
        "source",
        "kind",
        "label",
        "aliases",
        "chapter",
    )

    def record(self) -> dict:
        """The public record (the schema of clauses.json and ``policy clauses --json``)."""
        return self.model_dump(mode="json", include=set(self.RECORD_FIELDS))


class Citation(BaseModel):
    """A ``{clause}`` role as written in a page: its target text and source line."""

    target: str
    line: int


class Policy(BaseModel):
    """A parsed policy file: its front matter, clauses in document order, and the citations it
    makes (collected in the same parse, so checking them needs no second one)."""

    meta: PolicyMeta
    language: Language
    path: str
    doc: str
    clauses: list[Clause] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    id_line: int = 2  # line of the front matter's `policy:` key, for problems

    @property
    def id(self) -> str:
        return self.meta.policy

    def clause(self, number: str) -> Clause | None:
        for clause in self.clauses:
            if clause.number == number:
                return clause
        return None
