#!/usr/bin/env bash
# Retrieval evaluation on real manuals from Debian (the README's table): ingest them into
# a fresh data folder, then score manualbot and the plain BM25 baseline on the project's
# question set. Needs: apt-get install postgresql-doc-15 bash-doc gnuplot-doc nodejs-doc
# poppler-utils. Usage: scripts/retrieval_eval.sh [DATA_DIR] [extra eval flags, e.g. --json]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-$(mktemp -d)}
shift || true
export GOEXPERIMENT=simd
go build -o "$data/manualbot" .
mb() { "$data/manualbot" --data-dir "$data" --log-level warn "$@"; }
mb ingest --product postgresql /usr/share/doc/postgresql-doc-15/html >/dev/null
mb ingest --product bash /usr/share/doc/bash/bashref.pdf /usr/share/doc/bash/bashref.html >/dev/null
mb ingest --product gnuplot /usr/share/doc/gnuplot/gnuplot.pdf >/dev/null
mb ingest --product node /usr/share/doc/nodejs/api/*.md.gz >/dev/null
mb eval --retrieval testdata/retrieval/questions.jsonl --baseline "$@"
