"""Read, append to and edit FAQ pages without disturbing a byte a human wrote.

A FAQ page is MyST Markdown: a title, then one ``{faq}`` directive per entry::

    ```{faq} 返利什么时候结算？
    :id: sales-faq-12
    :clauses: SALES 4.2, SALES 4.3
    :status: approved
    :asked: 37
    :reviewed-by: 张敏
    :reviewed-on: 2026-11-20
    :questions: q0f3a…, q81c2…
    返利按季度结算，见 {clause}`SALES 4.2`……
    ```

Entries are located with the shared markdown-it parser (:mod:`tooling.markdown`); edits touch only
the option lines of the entry being changed and keep the file's own line endings, so every other
entry, comment and blank line stays exactly as its author left it. Appends go at the end.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field

from .catalog import Catalog
from .errors import Code, PolicyToolError, Problem, problem
from .markdown import clause_citations, directive_body, escape_text, parse, roles_in
from .models import Citation, Policy
from .paths import list_sources, source_problem

STATUSES = ("draft", "approved", "retired")
_OPTION_RE = re.compile(r"^(\s*):([\w-]+):(.*?)(\r?\n|\r)?$")
_SPLIT = re.compile(r"\s*[,;，；]\s*")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# Options in the order they are written; unknown options are kept as the author wrote them.
OPTION_ORDER = (
    "id",
    "clauses",
    "status",
    "asked",
    "askers",
    "clusters",
    "drafter",
    "unsupported",
    "unsupported-topic",
    "unsupported-claims",
    "reviewed-by",
    "reviewed-on",
    "clause-hashes",
    "questions",
)


class FaqEntry(BaseModel):
    """One ``{faq}`` entry. ``line`` is the fence's first line (1-based), ``end_line`` its last."""

    id: str
    question: str
    clauses: list[str] = Field(default_factory=list)
    status: str = "draft"
    asked: int | None = None
    askers: int | None = None
    clusters: list[str] = Field(default_factory=list)
    drafter: str | None = None
    unsupported: list[str] = Field(default_factory=list)  # figures grounding could not find
    # key terms of the question its cited clauses lack (.topic): a person confirms before approval
    unsupported_topic: list[str] = Field(default_factory=list)
    # numbers of the answer's sentences no cited clause sentence supports (.claims)
    unsupported_claims: list[str] = Field(default_factory=list)
    reviewed_by: str | None = None
    reviewed_on: str | None = None
    clause_hashes: str | None = None
    # ids of the member questions in the question store (never their text: pages are published)
    questions: list[str] = Field(default_factory=list)
    answer: str = ""
    file: str = ""
    line: int = 0
    end_line: int = 0
    options: dict[str, str] = Field(default_factory=dict)  # every option as written
    option_lines: dict[str, int] = Field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.status != "retired"

    @property
    def url(self) -> str:
        """The entry on the site: ``faq/sales-policy.html#sales-faq-3``."""
        return f"{Path(self.file).with_suffix('').as_posix()}.html#{self.id}"

    def option_line(self, name: str) -> int:
        return self.option_lines.get(name, self.line)

    def render(self) -> str:
        """The directive text of a new entry (``\\n`` line endings; appenders convert)."""
        question = " ".join(self.question.replace("`", "'").split())
        values = {
            "id": self.id,
            "clauses": ", ".join(self.clauses),
            "status": self.status,
            "asked": "" if self.asked is None else str(self.asked),
            "askers": "" if self.askers is None else str(self.askers),
            "clusters": ", ".join(self.clusters),
            "drafter": self.drafter or "",
            "unsupported": ", ".join(self.unsupported),
            "unsupported-topic": ", ".join(self.unsupported_topic),
            "unsupported-claims": ", ".join(self.unsupported_claims),
            "reviewed-by": self.reviewed_by or "",
            "reviewed-on": self.reviewed_on or "",
            "clause-hashes": self.clause_hashes or "",
            "questions": ", ".join(self.questions),
        }
        keep = {"id", "clauses", "status", "reviewed-by", "reviewed-on"}
        lines = [f"```{{faq}} {question}"]
        lines += [f":{k}: {v}".rstrip() for k, v in values.items() if v or k in keep]
        answer = self.answer.strip().replace("```", "ˋˋˋ")
        if _OPTION_RE.match(answer.split("\n", 1)[0]) or answer.startswith("---"):
            answer = "\\" + answer  # the first body line must not read as an option
        lines += [answer, "```"]
        return "\n".join(lines) + "\n"


class FaqPage(BaseModel):
    """A FAQ page: its path (relative to the root), title, entries and exact source text."""

    path: str
    title: str | None = None
    source: str = ""
    entries: list[FaqEntry] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)  # every {clause} role, with its line

    def get(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    @property
    def live(self) -> list[FaqEntry]:
        return [e for e in self.entries if e.live]


def split_list(value: str) -> list[str]:
    return [v for v in _SPLIT.split(value.strip()) if v]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def parse_page(source: str, path: str = "") -> FaqPage:
    """Every ``{faq}`` entry of a page (in order) with its options, answer and source lines."""
    page = FaqPage(path=path, source=source)
    tokens = parse(source)
    page.citations = clause_citations(roles_in(tokens))
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h1" and page.title is None:
            page.title = tokens[i + 1].content.strip()
        if tok.type != "fence" or not tok.info.strip().startswith("{faq}") or not tok.map:
            continue
        line = tok.map[0] + 1
        options: dict[str, str] = {}
        option_lines: dict[str, int] = {}
        for k, text in enumerate(tok.content.splitlines()):
            match = _OPTION_RE.match(text)
            if not match:
                break
            options[match[2]] = match[3].strip()
            option_lines[match[2]] = line + 1 + k
        body, _ = directive_body(tok.content)
        page.entries.append(
            FaqEntry(
                id=options.get("id", ""),
                question=tok.info.strip()[len("{faq}") :].strip(),
                clauses=split_list(options.get("clauses", "")),
                status=options.get("status", "draft").strip().lower(),
                asked=_int(options.get("asked")),
                askers=_int(options.get("askers")),
                clusters=split_list(options.get("clusters", "")),
                drafter=options.get("drafter") or None,
                unsupported=split_list(options.get("unsupported", "")),
                unsupported_topic=split_list(options.get("unsupported-topic", "")),
                unsupported_claims=split_list(options.get("unsupported-claims", "")),
                reviewed_by=options.get("reviewed-by") or None,
                reviewed_on=options.get("reviewed-on") or None,
                clause_hashes=options.get("clause-hashes") or None,
                questions=split_list(options.get("questions", "")),
                answer=body.strip(),
                file=path,
                line=line,
                end_line=tok.map[1],
                options=options,
                option_lines=option_lines,
            )
        )
    return page


def read_text(path: Path) -> str:
    """The file exactly as stored (line endings kept), or a PL501 problem."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyToolError(problem(Code.INPUT_UNREADABLE, f"cannot read FAQ page: {exc}", path, 1)) from exc


def write_text(path: Path, text: str) -> None:
    """Write atomically (a crash never leaves half a page)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    tmp.replace(path)


def read_page(path: Path, root: Path) -> FaqPage:
    return parse_page(read_text(path), path.relative_to(root).as_posix())


def faq_paths(root: Path, catalog: Catalog) -> list[Path]:
    """The FAQ pages that are safe to read (``paths.list_sources``; ``policy check`` reports the rest)."""
    return list_sources(Path(root), catalog.settings).faq


def read_all(root: Path, catalog: Catalog) -> list[FaqPage]:
    return [read_page(p, Path(root)) for p in faq_paths(root, catalog)]


def read_pages(root: Path, catalog: Catalog) -> tuple[list[FaqPage], list[Problem]]:
    """Every readable FAQ page, and a problem for each page that cannot be read (checks go on)."""
    pages: list[FaqPage] = []
    problems: list[Problem] = []
    for path in faq_paths(root, catalog):
        try:
            pages.append(read_page(path, Path(root)))
        except PolicyToolError as exc:
            problems += exc.problems
    return pages, problems


def approved_entries(root: Path, catalog: Catalog) -> list[FaqEntry]:
    """The entries that answer questions (matching, site search): ``:status: approved`` with an
    id; drafts and retired entries never do. Unreadable pages are skipped (``policy check``
    reports them)."""
    pages, _ = read_pages(root, catalog)
    return [e for page in pages for e in page.entries if e.id and e.status == "approved"]


def page_path(root: Path, catalog: Catalog, policy: Policy) -> Path:
    """``faq/<policy file stem>.md``; PL111 if it is a link out of the repository (drafting would
    copy the file it points at into the page)."""
    path = Path(root) / catalog.settings.faq_dir / f"{Path(policy.path).stem}.md"
    unsafe = source_problem(Path(root), catalog.settings, path)
    if unsafe:
        raise PolicyToolError(unsafe)
    return path


def page_title(policy: Policy, count: int = 50) -> str:
    """The title a new FAQ page gets; in Chinese it carries a count, which builds make real."""
    if policy.language == "zh":
        return f"{policy.meta.title}{count}问"
    return f"{policy.meta.title} — Frequently Asked Questions"


def shown(status: str, show_drafts: bool = False) -> bool:
    """Whether a build shows an entry: approved ones always, drafts only in reviewer builds."""
    status = (status or "draft").strip().lower()
    return status == "approved" or (show_drafts and status != "retired")


def with_real_count(policy: Policy, source: str, show_drafts: bool = False) -> str:
    """The page with its tool-written H1 (``# …50问``) counting the entries a build shows.
    A title the author wrote differently is theirs and stays."""
    auto = re.compile(rf"^# {re.escape(escape_text(policy.meta.title))}\d+问[ \t]*$", re.MULTILINE)
    match = auto.search(source) if policy.language == "zh" else None
    if match is None:
        return source
    count = sum(shown(e.status, show_drafts) for e in parse_page(source).entries)
    return source[: match.start()] + f"# {escape_text(page_title(policy, count))}" + source[match.end() :]


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def new_page_text(policy: Policy) -> str:
    """The head of a new FAQ page. The policy title is text from the source: it is escaped, so a
    title with Markdown or HTML in it is shown as written (in the H1 and the navigation), never run."""
    title = escape_text(policy.meta.title)
    intro = (
        f"本页汇总关于《{title}》最常被问到的问题，每个回答都注明所依据的条款。"
        if policy.language == "zh"
        else f"The questions people ask most about the {title}; every answer cites the clauses it rests on."
    )
    return f"# {escape_text(page_title(policy))}\n\n{intro}\n"


def append_entries(path: Path, policy: Policy, entries: list[FaqEntry], replace: list[FaqEntry] | None = None) -> str:
    """Append rendered entries to the page (created with a title if missing); returns the new text.

    Existing text is kept byte for byte: new entries are added after it, in the file's line ending.
    ``replace`` entries take the place of the page's entries with the same id (their whole
    directive, nothing around it), in the same single write."""
    old = read_text(path) if path.exists() else new_page_text(policy)
    if not entries and not replace:
        return old
    nl = _newline(old)
    if replace:
        lines = _LINE.findall(old)  # the line breaks markdown-it counts (not str.splitlines' extra ones)
        by_id = {e.id: e for e in parse_page(old).entries}
        for entry in sorted(replace, key=lambda e: by_id[e.id].line, reverse=True):
            at = by_id[entry.id]
            end = lines[at.end_line - 1][len(lines[at.end_line - 1].rstrip("\r\n")) :] or nl
            lines[at.line - 1 : at.end_line] = [entry.render().replace("\n", nl).removesuffix(nl) + end]
        old = "".join(lines)
    text = old if old.endswith(("\n", "\r")) else old + nl
    for entry in entries:
        text += nl + entry.render().replace("\n", nl)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, text)
    return text


def _option_name(line: str) -> str:
    found = _OPTION_RE.match(line)
    return found[2] if found else ""


def set_options(source: str, entry: FaqEntry, updates: dict[str, str | None]) -> str:
    """Change, add (value) or remove (None) option lines of one entry; nothing else moves."""
    lines = source.splitlines(keepends=True)
    nl = _newline(source)
    first = entry.line  # index of the first option line (0-based) is entry.line
    end = first
    while end < len(lines) and _OPTION_RE.match(lines[end]):
        end += 1
    block = lines[first:end]
    indent = ""
    for name, value in updates.items():
        index = next((k for k, ln in enumerate(block) if _option_name(ln) == name), None)
        if index is not None:
            match = _OPTION_RE.match(block[index])
            assert match is not None  # block holds option lines only
            indent = match[1]
            if value is None:
                del block[index]
            else:
                block[index] = f"{indent}:{name}: {value}".rstrip() + (match[4] or nl)
        elif value is not None:
            # keep the conventional order: insert before the first option that comes later
            order = {k: n for n, k in enumerate(OPTION_ORDER)}
            rank = order.get(name, len(order))
            pos = next((k for k, ln in enumerate(block) if order.get(_option_name(ln), len(order)) > rank), len(block))
            block.insert(pos, f"{indent}:{name}: {value}".rstrip() + nl)
    return "".join(lines[:first] + block + lines[end:])


def find_entry(root: Path, catalog: Catalog, entry_id: str) -> tuple[Path, FaqPage, FaqEntry]:
    """The page and entry with ``entry_id``, or a PL404 problem."""
    for path in faq_paths(root, catalog):
        page = read_page(path, Path(root))
        entry = page.get(entry_id)
        if entry is not None:
            return path, page, entry
    raise PolicyToolError(
        problem(
            Code.FAQ_BAD_FIELD,
            f"no FAQ entry with id {entry_id!r} under {catalog.settings.faq_dir}/",
            Path(root) / catalog.settings.faq_dir,
            1,
        )
    )
