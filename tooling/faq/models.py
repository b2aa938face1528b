"""Records the FAQ drafters exchange: what is asked (a request) and what is drafted (a draft)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ClauseText(BaseModel):
    """A candidate clause sent to a drafter: its key, title and full text."""

    key: str
    title: str | None = None
    text: str


class DraftRequest(BaseModel):
    """One cluster to draft: scrubbed sample questions and the clauses that may answer it."""

    cluster_id: str
    policy: str
    language: str                        # the policy's language: the answer is written in it
    representative: str                  # the cluster's clearest phrasing (scrubbed)
    samples: list[str] = Field(default_factory=list)
    clauses: list[ClauseText]


class Draft(BaseModel):
    """A drafted entry: canonical question, answer citing clauses with {clause} roles."""

    question: str
    answer: str
    clauses: list[str]
    drafter: str                          # offline | openai:<model> | offline (openai failed: …)
    note: str | None = None               # why a fallback happened


class LlmDraft(BaseModel):
    """The structured output asked of the model (JSON schema sent with the request)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="the canonical question, one sentence, no personal data")
    answer: str = Field(description="a short answer that cites clauses as {clause}`KEY`")
    clauses: list[str] = Field(description="the clause keys the answer rests on, from the clauses given")
