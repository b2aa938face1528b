"""One catalogue of every problem the tooling reports.

Each problem has a stable code (users filter on it, tests assert on it, like myst-parser's
``MystWarnings``), a default severity and a hint that says what to do. Problems are collected,
not raised, so one run reports every bad file and line at once.
"""

from __future__ import annotations

from enum import Enum, unique
from pathlib import Path

from pydantic import BaseModel


class Severity(str, Enum):
    error = "error"
    warning = "warning"


@unique
class Code(str, Enum):
    """Stable problem codes. Never renumber: users filter on these."""

    # front matter
    FRONT_MATTER_MISSING = "PL101"
    FRONT_MATTER_YAML = "PL102"
    FRONT_MATTER_KEY_UNKNOWN = "PL103"
    FRONT_MATTER_KEY_MISSING = "PL104"
    FRONT_MATTER_VALUE = "PL105"
    POLICY_ID_DUPLICATE = "PL106"
    POLICY_UNKNOWN = "PL107"
    # source files (tooling/paths.py)
    SOURCE_OUTSIDE = "PL111"
    SOURCE_NAME = "PL112"
    SOURCE_REFERENCE_OUTSIDE = "PL113"
    # policy import FILE.docx (tooling/wordimport/)
    IMPORT_DOC_BINARY = "PL130"
    IMPORT_NOT_DOCX = "PL131"
    IMPORT_ENCRYPTED = "PL132"
    IMPORT_EMPTY = "PL133"
    IMPORT_FRONT_MATTER = "PL134"
    IMPORT_OUT = "PL135"
    IMPORT_DROPPED = "PL136"
    IMPORT_ORDER = "PL137"
    IMPORT_MERGED_CELLS = "PL138"
    IMPORT_NUMBER_FORMAT = "PL139"
    # raw HTML and script in sources (tooling/safety.py, sphinx_ext/safety.py)
    SOURCE_RAW_HTML = "PL120"
    SOURCE_RAW_DIRECTIVE = "PL121"
    SOURCE_SCRIPT_URL = "PL122"
    # clauses
    CLAUSE_DUPLICATE = "PL201"
    CLAUSE_NUMERAL = "PL202"
    CLAUSE_NONE = "PL204"
    ANCHOR_DUPLICATE = "PL203"
    # citations
    CITATION_UNKNOWN = "PL301"
    CITATION_SYNTAX = "PL302"
    # FAQ
    FAQ_ID_DUPLICATE = "PL401"
    FAQ_UNKNOWN_CLAUSE = "PL402"
    FAQ_NO_REVIEWER = "PL403"
    FAQ_BAD_FIELD = "PL404"
    FAQ_STALE = "PL405"
    # review labels (faq/labels.jsonl)
    LABEL_SYNTAX = "PL410"
    LABEL_UNKNOWN_CLAUSE = "PL411"
    LABEL_UNKNOWN_ENTRY = "PL412"
    LABEL_CONFLICT = "PL413"
    LABEL_RETIRED_ENTRY = "PL414"
    QUESTION_UNKNOWN = "PL415"
    REVIEW_NOT_MEMBER = "PL416"
    LABEL_BAD_ANSWER = "PL417"
    QUESTION_NOT_STORED = "PL418"
    FAQ_QUESTION_TWICE = "PL419"
    # input files and questions
    INPUT_UNREADABLE = "PL501"
    INPUT_RECORD = "PL502"
    INPUT_ENCODING = "PL503"
    INPUT_FORMAT = "PL504"
    QUESTION_NOT_ASKING = "PL505"
    QUESTION_EMPTY = "PL506"
    QUESTION_TIME = "PL507"
    QUESTION_STORE = "PL508"
    INPUT_COLUMN = "PL509"
    QUESTION_TOO_LONG = "PL510"
    QUESTION_STORE_LOCKED = "PL511"
    QUESTION_TIME_FROM_FILE = "PL512"
    BATCH_UNKNOWN = "PL513"
    # policy serve (tooling/service/)
    SERVE_BAD_REQUEST = "PL520"
    SERVE_TOO_LARGE = "PL521"
    SERVE_RATE_LIMITED = "PL522"
    SERVE_UNAUTHORIZED = "PL523"
    SERVE_STORE = "PL524"
    SERVE_NOT_FOUND = "PL525"
    # configuration
    CONFIG = "PL601"
    # output and root paths (tooling/paths.py)
    OUTPUT_OVERWRITES_SOURCE = "PL602"
    OUTPUT_DIR_UNSAFE = "PL603"
    OUTPUT_DIR_NOT_SITE = "PL604"
    ROOT_MISSING = "PL605"
    SITE_NOT_UPDATED = "PL606"
    ASKER_KEY_BUILTIN = "PL610"
    INIT_NOT_A_FOLDER = "PL611"
    # matching and evaluation
    MATCH_ENCODER = "PL701"
    EVAL_LABELS = "PL702"
    MATCH_EMPTY_INDEX = "PL703"
    # history (git releases, diffs, staleness)
    HISTORY_NO_GIT = "PL901"
    HISTORY_UNKNOWN_REF = "PL902"
    HISTORY_NO_POLICY = "PL903"
    HISTORY_BAD_VERSION = "PL904"
    CLAUSE_HASHES_FORMAT = "PL905"
    CITATION_RENUMBERED = "PL906"
    RELEASE_PAGE_FAILED = "PL907"
    CITATION_UNKNOWN_VERSION = "PL908"
    # FAQ drafting, review and approval
    FAQ_UNGROUNDED = "PL801"
    FAQ_LLM_FALLBACK = "PL802"
    FAQ_NO_QUESTIONS = "PL803"
    FAQ_DIRTY_TREE = "PL804"
    FAQ_BRANCH_EXISTS = "PL805"
    FAQ_PUSH = "PL806"
    FAQ_TRANSITION = "PL807"
    FAQ_LLM_CONFIG = "PL808"
    FAQ_NOTHING_TO_PROPOSE = "PL809"
    FAQ_PAGE_LOCKED = "PL810"
    FAQ_TOO_LONG = "PL811"
    FAQ_OFF_TOPIC = "PL812"
    FAQ_UNSUPPORTED_CLAIM = "PL813"
    # FAQ booklet (print to PDF)
    BOOKLET_NO_FAQ = "PL850"
    BOOKLET_BROWSER = "PL851"
    BOOKLET_NO_CJK_FONT = "PL852"
    BOOKLET_BUILD_FAILED = "PL853"


HINTS: dict[Code, str] = {
    Code.FRONT_MATTER_MISSING: "start the file with a '---' YAML block: policy, title, version, effective, owner",
    Code.FRONT_MATTER_YAML: "fix the YAML syntax of the front matter (indentation, quotes, colons)",
    Code.FRONT_MATTER_KEY_UNKNOWN: "remove the key or correct its spelling; allowed: policy, title, version, effective, owner, language",
    Code.FRONT_MATTER_KEY_MISSING: "add the key to the front matter",
    Code.FRONT_MATTER_VALUE: "correct the value (dates as YYYY-MM-DD, policy ids in A-Z and 0-9, language zh or en)",
    Code.POLICY_ID_DUPLICATE: "give each policy file its own 'policy' id",
    Code.POLICY_UNKNOWN: "use the id from a policy's front matter ('policy clauses' lists the clauses of each)",
    Code.SOURCE_OUTSIDE: (
        "replace the link with a copy of the file, or remove it: a symbolic link may point only to an "
        "existing file of this repository (not into a hidden folder or the question store); until "
        "then the file is neither read nor published"
    ),
    Code.SOURCE_NAME: (
        "rename the file or folder: no leading '.', no spaces, no '#', '?', '%' or '\\', no control or "
        "invisible characters, Unicode NFC, suffix '.md' (e.g. sales-policy.md); until then it is not "
        "published"
    ),
    Code.SOURCE_REFERENCE_OUTSIDE: (
        "copy the file into the repository (e.g. next to the page) and refer to it there; "
        "a file outside the repository is never read or published"
    ),
    Code.IMPORT_DOC_BINARY: (
        "this is a binary Word 97-2003 .doc; convert it first: "
        "soffice --headless --convert-to docx FILE.doc (LibreOffice), or Save As .docx in Word"
    ),
    Code.IMPORT_NOT_DOCX: "save the document from Word or LibreOffice as 'Word Document (.docx)' and import that file",
    Code.IMPORT_ENCRYPTED: "open it in Word, remove the password (File > Info > Protect Document), save, and import again",
    Code.IMPORT_EMPTY: "check that this is the right file: the importer found no paragraph with text in it",
    Code.IMPORT_FRONT_MATTER: (
        "pass the missing value as an option (--policy SALES --version 1.0 --effective 2026-01-01 "
        "--owner 市场部); nothing was written"
    ),
    Code.IMPORT_OUT: "write the policy as a .md file inside the repository, e.g. --out policies/leave-policy.md",
    Code.IMPORT_DROPPED: "nothing to do unless you need it: add it to the Markdown by hand",
    Code.IMPORT_ORDER: (
        "check the numbering in Word: an article number that does not follow the one before is "
        "usually a manual number or a restarted list"
    ),
    Code.IMPORT_MERGED_CELLS: "check the table in the Markdown: merged cells are written once and the others left empty",
    Code.IMPORT_NUMBER_FORMAT: "check the numbers in the Markdown: this Word number format was written as decimal",
    Code.SERVE_BAD_REQUEST: 'send a JSON object with a non-empty "text", e.g. {"text": "返利能提现吗？"}',
    Code.SERVE_TOO_LARGE: "send a shorter question; the limit is [tool.policy.serve] max_body_bytes",
    Code.SERVE_RATE_LIMITED: "wait the seconds in Retry-After, then send again",
    Code.SERVE_UNAUTHORIZED: "send the header 'Authorization: Bearer <token>' with the token the service was given",
    Code.SERVE_STORE: "nothing was stored: send the question again; if it keeps failing, look at the service's log",
    Code.SERVE_NOT_FOUND: "the service answers GET /healthz, GET /api/answer?q=… and POST /api/questions",
    Code.SOURCE_RAW_HTML: (
        "write it in Markdown instead (**bold**, lists, '|' tables, a blank line between paragraphs, "
        "'\\' at the end of a line for a line break; in a table, a row per line instead of <br>); "
        "the site publishes raw HTML only when the repository sets [tool.policy] allow_raw_html = true"
    ),
    Code.SOURCE_RAW_DIRECTIVE: (
        "remove the raw block and write its content in Markdown; raw output ({raw} html, "
        "'.. raw:: html' or a raw role in {eval-rst}) is published only when the repository "
        "sets [tool.policy] allow_raw_html = true"
    ),
    Code.SOURCE_SCRIPT_URL: (
        "link to an http(s):, mailto: or tel: address or to a page of the site; javascript:, "
        "vbscript: and data: links run code in the reader's browser and are never published "
        "(not even with allow_raw_html)"
    ),
    Code.CLAUSE_DUPLICATE: "renumber one of the two clauses so every number is used once",
    Code.CLAUSE_NUMERAL: "write the article number as Chinese numerals (第十二条) or arabic digits",
    Code.CLAUSE_NONE: (
        "number the clauses in a style the tool reads (its docs/content.md): headings '## 4 返利' / '### 4.2 …', "
        "articles '**第十二条**【标题】 …' or '### 第十二条 标题', or 'Article 7' / '§ 7'"
    ),
    Code.ANCHOR_DUPLICATE: "two clauses (or a clause and an explicit (target)= line) produce the same anchor: renumber one or rename the target",
    Code.CITATION_UNKNOWN: "cite an existing clause, e.g. SALES 4.2 (run 'policy clauses' to list them)",
    Code.CITATION_SYNTAX: "write a citation as '<POLICY> <number>', e.g. SALES 4.2 or REBATE 第十二条",
    Code.FAQ_ID_DUPLICATE: "FAQ ids are never reused: give the new entry the next free id",
    Code.FAQ_UNKNOWN_CLAUSE: "list existing clause keys in :clauses:, e.g. SALES 4.2",
    Code.FAQ_NO_REVIEWER: "add :reviewed-by: and :reviewed-on: or use 'policy faq approve ID --by NAME'",
    Code.FAQ_BAD_FIELD: "check the FAQ entry's options (:id:, :clauses:, :status: draft|approved|retired)",
    Code.FAQ_STALE: "re-review the answer against the changed clause, then approve it again",
    Code.LABEL_SYNTAX: (
        "each line of faq/labels.jsonl is one JSON object: text, answer (a clause key, a list of keys, "
        'an FAQ entry id, "not-covered" or "not-a-question"), by, on (YYYY-MM-DD); the other lines were kept'
    ),
    Code.LABEL_UNKNOWN_CLAUSE: "answer with an existing clause key, e.g. SALES 4.2 ('policy clauses' lists them); a renumbered clause needs its label updated",
    Code.LABEL_UNKNOWN_ENTRY: "answer with the id of an entry in faq/*.md ('policy faq show' lists them), a clause key, not-covered or not-a-question",
    Code.LABEL_CONFLICT: "keep one answer per question: delete the line that is wrong ('policy faq label' replaces an earlier answer itself)",
    Code.LABEL_RETIRED_ENTRY: "a retired entry answers nobody: label the question with the clause or the entry that replaced it",
    Code.QUESTION_UNKNOWN: "use a question id from 'policy faq show' or 'policy questions export' (ids start with q), in the repository whose questions.db holds it",
    Code.REVIEW_NOT_MEMBER: "review the entry the question belongs to ('policy faq show ID' lists its questions)",
    Code.LABEL_BAD_ANSWER: "give --answer one FAQ entry id, or clause keys (several allowed), or not-covered, or not-a-question — not a mix",
    Code.QUESTION_NOT_STORED: "these questions are not in this copy's questions.db: ingest the question log here (policy questions ingest) to see and label them",
    Code.FAQ_QUESTION_TWICE: "a question belongs to one entry: remove its id from one :questions: line (or use 'policy faq review ID --drop QID')",
    Code.INPUT_UNREADABLE: "check the path, the format (--format) and the encoding of the file",
    Code.INPUT_RECORD: "fix or remove the record; the other records were kept",
    Code.INPUT_ENCODING: "save the file as UTF-8, or name its encoding with --encoding (e.g. gb18030)",
    Code.INPUT_FORMAT: "name the format with --format csv|xlsx|jsonl|eml|mbox|slack|chat|text",
    Code.QUESTION_NOT_ASKING: "chat messages are kept only when they ask something; pass --all to keep every message",
    Code.QUESTION_EMPTY: "the record has no question text; fill the text column or remove the record",
    Code.QUESTION_TIME: "write the time as ISO 8601 (2026-01-05T10:00:00+08:00) or YYYY-MM-DD HH:MM",
    Code.QUESTION_STORE: (
        "the file is not a question store this tooling can read (a newer schema, or not a store at "
        "all): point questions_db at another file, or upgrade the tooling if a newer one made it"
    ),
    Code.QUESTION_TOO_LONG: (
        "a question is at most 4,000 characters; longer records are pasted documents or logs — "
        "split the real question out of it, the other records were kept"
    ),
    Code.QUESTION_TIME_FROM_FILE: (
        "the file has no time column the tool recognised: name it with --time-column "
        "(e.g. --time-column 发送时间), then 'policy questions forget --batch ID' and ingest again"
    ),
    Code.BATCH_UNKNOWN: "'policy questions batches' lists the ingests and their ids",
    Code.QUESTION_STORE_LOCKED: (
        "another policy command is writing the question store: wait for it to finish, then "
        "run this again (nothing was written)"
    ),
    Code.INPUT_COLUMN: (
        "name the columns with --text-column, --time-column and --asker-column "
        "(e.g. --text-column 消息内容 --time-column 发送时间)"
    ),
    Code.CONFIG: "check [tool.policy] in pyproject.toml and the POLICY_* environment variables",
    Code.OUTPUT_OVERWRITES_SOURCE: (
        "write the output outside policies/, faq/ and _templates/, and not over the question "
        "store, index.md, pyproject.toml, conf.py or faq/labels.jsonl (e.g. --out _build/FILE)"
    ),
    Code.OUTPUT_DIR_UNSAFE: (
        "build into a folder of its own, e.g. --out _build/html (not /, not the repository or a "
        "folder that contains it, not policies/, faq/, _templates/, .git or .policy-cache)"
    ),
    Code.OUTPUT_DIR_NOT_SITE: (
        "the build replaces the whole output folder: choose a new or empty folder, or one that "
        "holds a site built before (it has a .buildinfo file)"
    ),
    Code.ROOT_MISSING: (
        "check the path: --root DIR (or $POLICY_ROOT) names an existing policy repository, the folder "
        "that holds policies/ and faq/"
    ),
    Code.SITE_NOT_UPDATED: "fix the errors reported above and build again; the previous site is still served as it was",
    Code.ASKER_KEY_BUILTIN: (
        "asker pseudonyms use the built-in key, so anyone with the tool can recompute them from a "
        "list of names: run 'policy init' (it writes a git-ignored .policy-secret) or set "
        "POLICY_ASKER_KEY, before the first ingest (the key also makes the record ids)"
    ),
    Code.INIT_NOT_A_FOLDER: "give 'policy init' a folder (it is created if missing)",
    Code.MATCH_ENCODER: "install the extra (pip install 'policy-tooling[semantic]') or set [tool.policy.matching] semantic = \"off\"",
    Code.EVAL_LABELS: 'each line needs id, text, intent and clauses (a list of keys such as "SALES 4.2", [] when not covered)',
    Code.MATCH_EMPTY_INDEX: "add policies under policies/ (or approved FAQ entries) before matching questions",
    Code.HISTORY_NO_GIT: "run the command inside a git repository (git init; commit the policies) — history comes from git",
    Code.HISTORY_UNKNOWN_REF: "name a release version (see 'policy history POLICY'), a tag or a commit",
    Code.HISTORY_NO_POLICY: "check the policy id ('policy clauses' lists them) and that its file is committed",
    Code.HISTORY_BAD_VERSION: "this committed version of the file has bad front matter; it was skipped (fix it in a new commit if it matters)",
    Code.CLAUSE_HASHES_FORMAT: "write :clause-hashes: as 'POLICY@VERSION NUMBER=HASH, …' (re-approve the entry to regenerate it)",
    Code.CITATION_RENUMBERED: "the clause was renumbered: cite its new number (see 'policy diff POLICY OLD NEW')",
    Code.RELEASE_PAGE_FAILED: "the site was built without this old version's page; run 'policy build' again, or delete .policy-cache/releases if the error persists",
    Code.CITATION_UNKNOWN_VERSION: "cite a committed release ('policy history POLICY' lists them) as POLICY@VERSION NUMBER, or drop '@VERSION' to cite the current text",
    Code.FAQ_UNGROUNDED: "make every number, amount, percentage, date and duration match a cited clause (or cite the clause that states it), then remove :unsupported:",
    Code.FAQ_LLM_FALLBACK: "the offline draft was written instead; check the LLM endpoint ([tool.policy.llm]) and re-run to redraft",
    Code.FAQ_NO_QUESTIONS: "ingest questions first: policy questions ingest FILES (then policy faq draft --policy ID)",
    Code.FAQ_DIRTY_TREE: (
        "propose commits only the FAQ page: commit or stash your other edits first; raw question "
        "exports (chats, mail, spreadsheets) hold personal data and never belong in git — move them "
        "to inbox/, which 'policy init' git-ignores"
    ),
    Code.FAQ_BRANCH_EXISTS: "merge or delete the existing branch, or pass --branch NAME",
    Code.FAQ_PUSH: "check the remote name (--remote), its URL and your credentials, then push the branch by hand",
    Code.FAQ_TRANSITION: "approve draft entries, retire approved or draft ones; fix a flagged answer before approving (or pass --force)",
    Code.FAQ_LLM_CONFIG: "set [tool.policy.llm] base_url/model and export the API key variable (llm.api_key_env)",
    Code.FAQ_NOTHING_TO_PROPOSE: "run 'policy faq draft --policy ID' first (or edit the FAQ page), then propose",
    Code.FAQ_PAGE_LOCKED: "another 'policy faq draft' is writing this page; wait for it to finish, then run the command again (it skips what the other run drafted)",
    Code.FAQ_UNSUPPORTED_CLAIM: (
        "make the sentence say what its nearest clause sentence says (or cite the clause that "
        "says it), or confirm by removing the :unsupported-claims: line (or approve with --force)"
    ),
    Code.FAQ_OFF_TOPIC: (
        "check that the cited clauses answer what the question asks: cite the clause that does, or "
        "confirm by removing the :unsupported-topic: line (or approve with --force)"
    ),
    Code.FAQ_TOO_LONG: "shorten the question or answer (cite the clause instead of repeating it), or split the entry in two",
    Code.BOOKLET_BUILD_FAILED: "fix the problems 'policy build' reports above, then print the booklet again",
    Code.BOOKLET_NO_FAQ: "check the policy id ('policy clauses' lists them); its FAQ page is faq/<policy file name>.md ('policy faq draft' starts one)",
    Code.BOOKLET_BROWSER: "install Debian's chromium (apt-get install chromium) or point POLICY_CHROMIUM at a Chromium binary",
    Code.BOOKLET_NO_CJK_FONT: "install a Chinese font (apt-get install fonts-noto-cjk) or Chinese text prints as empty boxes",
}

SEVERITY: dict[Code, Severity] = {
    Code.FAQ_STALE: Severity.warning,
    Code.QUESTION_TIME_FROM_FILE: Severity.warning,
    Code.ASKER_KEY_BUILTIN: Severity.warning,
    Code.HISTORY_BAD_VERSION: Severity.warning,
    Code.FAQ_LLM_FALLBACK: Severity.warning,
    Code.RELEASE_PAGE_FAILED: Severity.warning,
    Code.BOOKLET_NO_CJK_FONT: Severity.warning,
    Code.LABEL_RETIRED_ENTRY: Severity.warning,
    Code.QUESTION_NOT_STORED: Severity.warning,
    Code.FAQ_QUESTION_TWICE: Severity.warning,
    Code.CLAUSE_NONE: Severity.warning,
    Code.IMPORT_DROPPED: Severity.warning,
    Code.IMPORT_ORDER: Severity.warning,
    Code.IMPORT_MERGED_CELLS: Severity.warning,
    Code.IMPORT_NUMBER_FORMAT: Severity.warning,
}


class Problem(BaseModel):
    """A problem found in a file, printed as ``file:line: CODE message (hint)``."""

    code: Code
    message: str
    file: str | None = None
    line: int | None = None
    severity: Severity = Severity.error
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line or 1}: " if self.file else ""
        hint = f" — hint: {self.hint}" if self.hint else ""
        return f"{where}{self.severity.value} {self.code.value} {self.message}{hint}"


def problem(
    code: Code, message: str, file: str | Path | None = None, line: int | None = None, severity: Severity | None = None
) -> Problem:
    """Build a problem with the catalogue's hint and default severity."""
    return Problem(
        code=code,
        message=message,
        file=str(file) if file is not None else None,
        line=line,
        severity=severity or SEVERITY.get(code, Severity.error),
        hint=HINTS.get(code, ""),
    )


def suppressed(prob: Problem, patterns: list[str]) -> bool:
    """Whether ``suppress_warnings`` hides the problem (``policy`` or ``policy.PL405``, as in
    Sphinx). Only warnings can be hidden: an error still stops a build."""
    return prob.severity != Severity.error and ("policy" in patterns or f"policy.{prob.code.value}" in patterns)


class PolicyToolError(Exception):
    """Raised when a command cannot go on; carries the problems that stopped it."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))
