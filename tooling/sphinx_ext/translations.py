"""The theme's words in the site's language (Sphinx ``language``), through Sphinx's translations.

Sphinx's own catalogue translates "Search" (搜索) but not the words Furo adds ("Next", "Back to
top", "On this page"…) nor this package's (the footer, the home page cards). Those are a
fallback catalogue after Sphinx's, so templates keep writing ``_("…")`` and a repository's own
``locale_dirs`` still win.

Sphinx keeps one translator per process and only ever adds to it: after a zh build, an en build
in the same process would say 搜索. Each build therefore gets a translator of its own language.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from sphinx import locale
from sphinx.application import Sphinx
from sphinx.util.i18n import CatalogRepository

#: msgid -> Chinese. English is the msgid itself.
ZH: dict[str, str] = {
    # Furo's page chrome (not in Sphinx's zh_CN catalogue)
    "Next": "下一页",
    "Previous": "上一页",
    "Home": "首页",
    "Back to top": "回到顶部",
    "Skip to content": "跳到正文",
    "On this page": "本页目录",
    "Please activate JavaScript to enable the search functionality.": "搜索需要启用 JavaScript。",
    # this package's footer and home page
    "Owner": "负责部门",
    "Owners": "负责部门",
    "Version": "版本",
    "Effective": "生效日期",
    "Built": "生成日期",
    "Site version": "站点版本",
    "Clauses": "条款数",
    "clauses": "条",
    "FAQ": "常见问题",
    "No FAQ yet": "暂无常见问题",
    "Policies": "制度",
    "Search policies": "搜索制度条款",
}


def is_zh(language: str | None) -> bool:
    return bool(language) and str(language).lower().startswith("zh")


def translate(language: str | None, message: str) -> str:
    """``message`` in ``language`` ("zh", "zh_CN", "en"…), for text written from Python."""
    return ZH.get(message, message) if is_zh(language) else message


class PolicyTranslations(gettext.NullTranslations):
    """The fallback catalogue: :data:`ZH` for a Chinese site, the msgid otherwise."""

    def __init__(self, language: str | None):
        super().__init__()
        self.zh = is_zh(language)

    def gettext(self, message: str) -> str:
        return ZH.get(message, message) if self.zh else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def fresh_translator(app: Sphinx, config) -> None:
    """``config-inited``: Sphinx's catalogue for this build's language, then ours."""
    language = config.language
    repo = CatalogRepository(app.srcdir, config.locale_dirs, language, config.source_encoding)
    dirs = [*repo.locale_dirs, None, Path(locale.__file__).parent]
    translator: gettext.NullTranslations | None = None
    for folder in dirs:
        try:
            found = gettext.translation("sphinx", localedir=folder, languages=[language] if language else None)
        except OSError:
            continue
        if translator is None:
            translator = found
        else:
            translator.add_fallback(found)
    ours = PolicyTranslations(language)
    if translator is None:
        translator = ours
    else:
        translator.add_fallback(ours)
    app.translator = translator
    locale.translators["general", "sphinx"] = translator


def setup(app: Sphinx) -> None:
    """Called from the extension's ``setup()``."""
    app.connect("config-inited", fresh_translator, priority=100)
