"""Records the FAQ drafters exchange: what is asked (a request) and what is drafted (a draft)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# The documented maximum length of a FAQ question and answer (docs/faq.md), in characters.
# Generous for a person (the longest committed answer is a fifth of it), far below what breaks a
# page: LLM replies over it are rejected, and `policy check` reports entries over it (PL811).
MAX_QUESTION_CHARS = 300
MAX_ANSWER_CHARS = 2000
FALLBACK_DRAFTER = "offline (LLM fallback)"  # :drafter: of an offline draft written because the LLM failed


class ClauseText(BaseModel):
    """A candidate clause sent to a drafter: its key, title and full text."""

    key: str
    title: str | None = None
    text: str


class DraftRequest(BaseModel):
    """One cluster to draft: scrubbed sample questions and the clauses that may answer it."""

    cluster_id: str
    policy: str
    language: str  # the policy's language: the answer is written in it
    representative: str  # the cluster's clearest phrasing (scrubbed)
    samples: list[str] = Field(default_factory=list)
    clauses: list[ClauseText]


class Draft(BaseModel):
    """A drafted entry: canonical question, answer citing clauses with {clause} roles."""

    question: str
    answer: str
    clauses: list[str]
    drafter: str  # offline | openai:<model> | FALLBACK_DRAFTER
    note: str | None = None  # why a fallback happened


class LlmDraft(BaseModel):
    """The structured output asked of the model (JSON schema sent with the request)."""

    model_config = ConfigDict(extra="forbid")

    # Lengths are checked in llm.validate, not as JSON-schema maxLength: strict structured-output
    # endpoints reject schemas with keywords they do not support.
    question: str = Field(
        description=f"the canonical question, one sentence, no personal data, at most {MAX_QUESTION_CHARS} characters"
    )
    answer: str = Field(
        description=f"a short answer in plain sentences that cites clauses as {{clause}}`KEY`, "
        f"at most {MAX_ANSWER_CHARS} characters, no links, images or HTML"
    )
    clauses: list[str] = Field(description="the clause keys the answer rests on, from the clauses given")
