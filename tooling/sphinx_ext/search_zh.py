"""Chinese full-text search that works in the browser.

Sphinx 9.0's ``SearchChinese`` ships the English stemmer but declares ``window.Stemmer =
ChineseStemmer``, which does not exist: the search page throws and never shows a result. This
subclass keeps Sphinx's jieba word splitting and emits JS that names the stemmer it ships.
"""

from __future__ import annotations

from pathlib import Path

import sphinx.search
from sphinx.search.zh import SearchChinese

_JS = Path(sphinx.search.__file__).parent / "minified-js"


def english_stemmer_js() -> str:
    """Sphinx's Snowball base and English stemmers (minified JS), joined by a newline."""
    return "\n".join((_JS / name).read_text(encoding="utf-8") for name in ("base-stemmer.js", "english-stemmer.js"))


def _stemmer_js() -> str:
    return "\n".join((english_stemmer_js(), "window.Stemmer = EnglishStemmer;"))


class SearchChineseFixed(SearchChinese):
    js_stemmer_rawcode = ""

    @property
    def js_stemmer_code(self) -> str:  # type: ignore[override]
        return _stemmer_js()
