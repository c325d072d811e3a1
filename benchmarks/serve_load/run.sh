#!/usr/bin/env bash
# The serve load test of issue 12: 20 questions sent at once to `manualbot serve` (HTTP
# mode, against a fake Slack), a random-weight f32 model of SmolLM2-135M's shapes, 64-token
# answers. Prints first / median / last answer seconds, how many were answered, and the
# queue positions the bot showed; then stops the server.
#
#   benchmarks/serve_load/run.sh            # builds ./manualbot from this tree
#   BIN=/path/to/manualbot WORK=/tmp/load benchmarks/serve_load/run.sh
#
# Env: BIN (binary to test; default: built here), WORK (model, index and serve.log; kept,
# so a second run reuses the model), QUESTIONS (20), TOKENS (64), QUESTION (the text).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOEXPERIMENT=simd
WORK=${WORK:-/tmp/manualbot-serve-load}
mkdir -p "$WORK"
if [ -z "${BIN:-}" ]; then
  BIN=$WORK/manualbot
  go build -o "$BIN" .
fi
BIN=$(realpath "$BIN")
bash scripts/fetch-fixtures.sh >/dev/null # GPT-2's tokenizer.json, the model's vocabulary
if [ ! -d "$WORK/data/index" ]; then
  "$BIN" --data-dir "$WORK/data" ingest --product brewmaster examples/manuals >/dev/null
fi
echo "load before: $(uptime)"
SERVE_LOAD_BIN=$BIN SERVE_LOAD_WORK=$WORK SERVE_LOAD_TOKENIZER=$PWD/testdata/tokenizers/gpt2/tokenizer.json \
  SERVE_LOAD_QUESTIONS=${QUESTIONS:-20} SERVE_LOAD_TOKENS=${TOKENS:-64} ${QUESTION:+SERVE_LOAD_QUESTION="$QUESTION"} \
  go test -count=1 -timeout 40m -run TestServeLoad -v ./benchmarks/serve_load/ | grep -v '^=== RUN'
echo "load after: $(uptime)"
