#!/usr/bin/env bash
# Retrieval evaluation on real manuals from Debian (the README's tables): ingest the five
# manuals into a fresh data folder, then score manualbot and the plain BM25 baseline on
# both of the project's question sets: testdata/retrieval/questions.jsonl (PostgreSQL,
# bash, gnuplot, Node.js) and testdata/retrieval/httpd.jsonl (Apache httpd's manual, a
# check on a manual the first set never saw). Both sets are scored against the one index
# of all five manuals, as a user who ingested them all would search.
# Needs: apt-get install postgresql-doc-15 bash-doc gnuplot-doc nodejs-doc apache2-doc
# poppler-utils. Usage: scripts/retrieval_eval.sh [DATA_DIR] [extra eval flags, e.g.
# --json, --records FILE: the httpd set's records go to FILE with .httpd before .json].
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
for set in questions httpd; do
  extra=()
  if [ -n "$records" ]; then
    r=$records
    [ "$set" = httpd ] && r=${records%.json}.httpd.json
    extra=(--records "$r")
  fi
  echo "== testdata/retrieval/$set.jsonl" >&2
  mb eval --retrieval "testdata/retrieval/$set.jsonl" --baseline "${flags[@]}" "${extra[@]}"
done
