#!/usr/bin/env bash
# Runs every Go fuzz target of the module (every func FuzzXxx in a *_test.go) for a short
# fixed time each and fails on the first crash; .ci/run calls it after the tests. The seed
# corpora (f.Add and each package's testdata/fuzz/FuzzXxx) already run as plain tests in
# `go test`; this adds fresh inputs. A crasher is written to the package's
# testdata/fuzz/FuzzXxx/: commit it with the fix, as the regression seed.
#
#   scripts/fuzz.sh [SECONDS_EACH]        (default 10; FUZZTIME=20s works too)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=${GOEXPERIMENT:-simd}
each=${1:-${FUZZTIME:-10s}}
[[ $each =~ [a-z]$ ]] || each=${each}s

# pkg target pairs, from the test binaries themselves so a new target is never forgotten.
mapfile -t targets < <(go test -list '^Fuzz' ./... | awk '/^Fuzz/ {names[++n]=$1} /^(ok|FAIL|\?)/ {for (i=1;i<=n;i++) print $2, names[i]; n=0}')
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, $each each"
summary=()
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  log=$(mktemp)
  # -fuzzminimizetime 0: minimizing each new interesting input can eat the whole budget
  # on inputs as big as a tokenizer.json; a crasher is kept unminimized.
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$each" -fuzzminimizetime 0 "$pkg" >"$log" 2>&1; then
    if ! grep -q 'Failing input written\|panic:' "$log" && grep -q 'context deadline exceeded' "$log"; then
      # Go's fuzzing engine sometimes reports its own time limit running out while a
      # worker is mid-input; no input failed, so go on.
      echo "fuzz: $pkg $name: the engine's deadline error, no failing input (not a crash)" >&2
      summary+=("$(printf '%-28s %-18s %s' "${pkg#manualbot/}" "$name" "deadline error, no failing input")")
      rm -f "$log"
      continue
    fi
    cat "$log"
    echo "fuzz: $pkg $name FAILED (the input is in $pkg's testdata/fuzz/$name/)" >&2
    rm -f "$log"
    exit 1
  fi
  # The average rate over the run (the last progress line's own rate is often 0/sec).
  rate=$(sed -n 's/.*elapsed: \([0-9]*\)s, execs: \([0-9]*\) .*/\1 \2/p' "$log" | tail -1 |
    awk '$1 > 0 {printf "%d execs in %ds, %d/s", $2, $1, $2/$1} END {if (NR == 0) print "no progress line"}')
  summary+=("$(printf '%-28s %-18s %s' "${pkg#manualbot/}" "$name" "$rate")")
  rm -f "$log"
done
printf 'fuzz: %s\n' "${summary[@]}"
