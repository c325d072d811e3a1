#!/usr/bin/env bash
# Retrieval evaluation on real manuals from Debian (the README's tables): ingest the five
# manuals into a fresh data folder, then score manualbot and the plain BM25 baseline on
# the project's question sets: testdata/retrieval/questions.jsonl (PostgreSQL, bash,
# gnuplot, Node.js), testdata/retrieval/httpd.jsonl (Apache httpd's manual, a check on a
# manual the first set never saw), both against the one index of all five manuals, as a
# user who ingested them all would search; then testdata/retrieval/gnu.jsonl (coreutils,
# grep, sed and findutils as Info), with those four manuals added to the index.
# Needs: apt-get install postgresql-doc-15 bash-doc gnuplot-doc nodejs-doc apache2-doc
# poppler-utils. Usage: scripts/retrieval_eval.sh [DATA_DIR] [extra eval flags, e.g.
# --json, --records FILE: the other sets' records go to FILE with .httpd or .gnu before
# .json].
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-$(mktemp -d)}
shift || true
export GOEXPERIMENT=simd
go build -o "$data/manualbot" .
mb() { "$data/manualbot" --data-dir "$data" --log-level error "$@"; }
mb ingest --product postgresql /usr/share/doc/postgresql-doc-15/html >/dev/null
mb ingest --product bash /usr/share/doc/bash/bashref.pdf /usr/share/doc/bash/bashref.html >/dev/null
mb ingest --product gnuplot /usr/share/doc/gnuplot/gnuplot.pdf >/dev/null
mb ingest --product node /usr/share/doc/nodejs/api/*.md.gz >/dev/null
# The whole manual folder, as a user would give it: ingest keeps the English tree (en/).
mb ingest --product httpd /usr/share/doc/apache2-doc/manual >/dev/null
records=""
flags=()
while [ $# -gt 0 ]; do
  case $1 in
    --records) records=$2; shift 2 ;;
    *) flags+=("$1"); shift ;;
  esac
done
score() {
  local set=$1 extra=()
  if [ -n "$records" ]; then
    r=$records
    [ "$set" != questions ] && r=${records%.json}.$set.json
    extra=(--records "$r")
  fi
  echo "== testdata/retrieval/$set.jsonl" >&2
  mb eval --retrieval "testdata/retrieval/$set.jsonl" --baseline "${flags[@]}" "${extra[@]}"
}
score questions
score httpd
# A third set, written after the ranking was tuned on the first two and never tuned on:
# four GNU manuals as Debian installs them (Info, one split in parts), added to the same
# index, so all nine manuals compete for its questions.
mb ingest --product coreutils /usr/share/info/coreutils.info.gz >/dev/null
mb ingest --product grep /usr/share/info/grep.info.gz >/dev/null
mb ingest --product sed /usr/share/info/sed.info.gz >/dev/null
mb ingest --product findutils /usr/share/info/find.info.gz >/dev/null
score gnu
