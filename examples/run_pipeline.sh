#!/usr/bin/env bash
# The whole FAQ loop, offline, on a temporary copy of this repository:
#   ingest the example question log -> cluster -> draft (offline drafter) -> propose (git branch
#   + PR description) -> approve a reviewed subset (its questions become faq/labels.jsonl) -> build
#   the site with the "50 questions" pages.
#
#   examples/run_pipeline.sh            # run in a temp folder, print where everything is
#   examples/run_pipeline.sh --update   # also copy the resulting faq/*.md and faq/labels.jsonl back here
#   examples/run_pipeline.sh --check    # say whether the committed faq/*.md and labels are what the loop makes now
#
# Deterministic: lexical matching (no embedding model), fixed review date, offline drafter.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO="$(mktemp -d "${TMPDIR:-/tmp}/faq-demo.XXXXXX")"
WORK="$DEMO/repo"   # the policy repository; reports go beside it, not into it
mkdir -p "$WORK"
# Lexical matching and a fixed pseudonym key (the example's people are invented): the same ids
# and the same FAQ pages on every machine.
export POLICY_MATCHING_SEMANTIC=off POLICY_ROOT="$WORK" POLICY_ASKER_KEY="example-demo-key"
# --check (what `nox -s site` runs) and --update leave nothing behind; a plain run keeps the folder to look at.
case "${1:-}" in --check|--update) trap 'rm -rf "$DEMO"' EXIT ;; esac
REVIEWER="${REVIEWER:-张敏}"
REVIEWED_ON="${REVIEWED_ON:-2026-07-01}"
# What the reviewer accepted, by the clause an entry rests on (ids are assigned in ask order).
APPROVE_SALES="SALES 2.2|SALES 2.4|SALES 4.2|SALES 5.3|SALES 6.1|SALES 6.3|SALES 7.2|SALES 7.3|SALES 8.2|SALES 9.2|SALES 10.3"
APPROVE_REBATE="REBATE 7|REBATE 12|REBATE 16|REBATE 20|REBATE 23"
APPROVE_TRAVEL="TRAVEL 2.1|TRAVEL 3.1|TRAVEL 4.2|TRAVEL 4.3|TRAVEL 5.1"

# ids of the entries of POLICY's page whose first clause is in the list (or whose question matches a pattern)
ids_for() {
  python - "$WORK" "$1" "$2" <<'PY'
import re, sys
from pathlib import Path
from tooling.catalog import Catalog
from tooling.faqpage import read_all
root, policy, wanted = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
for page in read_all(root, Catalog.load(root)):
    for e in page.entries:
        if e.id.startswith(policy.lower() + "-") and e.status == "draft" and (
                (e.clauses and e.clauses[0] in wanted.split("|")) or (wanted.startswith("re:") and re.search(wanted[3:], e.question))):
            print(e.id)
PY
}

echo "== copy of the repository in $WORK"
cp -r "$HERE/policies" "$HERE/index.md" "$HERE/pyproject.toml" "$HERE/conf.py" "$WORK/"
[ -d "$HERE/_templates" ] && cp -r "$HERE/_templates" "$WORK/"
mkdir -p "$WORK/faq"
printf 'questions.db*\n.policy-cache/\n_build/\ninbox/\n.policy-secret\n' > "$WORK/.gitignore"
git -C "$WORK" init -q -b main
git -C "$WORK" -c user.name="Policy Demo" -c user.email=demo@example.com add -A
git -C "$WORK" -c user.name="Policy Demo" -c user.email=demo@example.com commit -q -m "policies"

echo "== ingest the example question log"
echo "   (the log has bad records planted on purpose — a time written '3月初', a row without a question,"
echo "    a broken JSON line, chat chatter — so the PL5xx lines below are expected: each is rejected alone)"
policy questions ingest "$HERE"/examples/questions/*

for P in SALES REBATE TRAVEL; do
  echo "== draft $P"
  policy faq draft --policy "$P" --top 50
  echo "== gaps $P"
  policy faq gaps --policy "$P" > "$DEMO/gaps-$P.md"
  echo "== propose $P"
  git -C "$WORK" checkout -q main
  GIT_AUTHOR_NAME="Policy Demo" GIT_AUTHOR_EMAIL=demo@example.com \
  GIT_COMMITTER_NAME="Policy Demo" GIT_COMMITTER_EMAIL=demo@example.com \
    policy faq propose --policy "$P" --out "$DEMO/pr-$P.md"
  var="APPROVE_$P"
  ids=$(ids_for "$P" "${!var}")
  echo "== approve" $ids "(reviewer $REVIEWER)"
  policy faq approve $ids --by "$REVIEWER" --on "$REVIEWED_ON"
  junk=$(ids_for "$P" "re:忽略以上|ignore (all|previous)")
  if [ -n "$junk" ]; then echo "== retire $junk (not a policy question)"; policy faq retire $junk; fi
  git -C "$WORK" add faq   # the pages and faq/labels.jsonl (the approved entries' questions), one review
  git -C "$WORK" -c user.name="$REVIEWER" -c user.email=review@example.com commit -q -m "faq($P): approve reviewed entries"
  git -C "$WORK" checkout -q main
  git -C "$WORK" -c user.name="Policy Demo" -c user.email=demo@example.com merge -q --no-ff --no-edit "$(git -C "$WORK" branch --list "faq/$(echo "$P" | tr A-Z a-z)-*" --format='%(refname:short)' | tail -1)"
done

echo "== check and build"
policy check
policy build --out "$WORK/_build/html" > /dev/null
if [ -z "${1:-}" ]; then
  echo "site: $WORK/_build/html/index.html"
  echo "PR descriptions: $DEMO/pr-*.md; gap reports: $DEMO/gaps-*.md (delete $DEMO when done)"
fi

if [ "${1:-}" = "--update" ]; then
  cp "$WORK"/faq/*.md "$HERE/faq/"
  if [ -f "$WORK/faq/labels.jsonl" ]; then cp "$WORK/faq/labels.jsonl" "$HERE/faq/"; else rm -f "$HERE/faq/labels.jsonl"; fi
  echo "updated: $(cd "$HERE" && ls faq/*.md faq/labels.jsonl 2>/dev/null | tr '\n' ' ')"
fi

if [ "${1:-}" = "--check" ]; then
  if diff -q -r -x .gitkeep "$WORK/faq" "$HERE/faq" > /dev/null; then
    echo "faq/*.md and faq/labels.jsonl in this repository are exactly what the loop produced."
  else
    echo "note: faq/*.md or faq/labels.jsonl in this repository differ from this run (run examples/run_pipeline.sh --update to refresh them)."
  fi
fi
