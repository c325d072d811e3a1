#!/usr/bin/env bash
# Side-by-side speed of `manualbot bench` and llama.cpp's `llama-bench` on the same random
# weights of SmolLM2-135M's shapes, written by the project's own writer (bench --random) and
# converted to GGUF with llama.cpp's gguf-py (hf_to_gguf.py). Runs alternate between the two
# engines round by round, so machine load hits both alike; it prints medians and ratios.
#
#   LLAMA_CPP=/path/to/llama.cpp benchmarks/llamacpp/compare.sh
#
# LLAMA_CPP is a llama.cpp checkout (the issue's figures: commit c392e50) built for the CPU:
#   cmake -B build -DGGML_NATIVE=ON -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF
#   cmake --build build -j2 --target llama-bench
# Needs python3 with numpy (PYTHON picks one). Never commit llama.cpp itself.
#
# Knobs (environment): ROUNDS (3), DTYPES ("f32 bf16 f16"), CASES ("decode64 prefill256
# prefill1280"), LLAMA_THREADS ("2 1": llama.cpp's threads; its busy-wait barriers collapse
# when the machine is oversubscribed, so one thread is also measured), WORK (a temporary
# folder: models, GGUFs, raw results in results.tsv).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LLAMA_CPP:?set LLAMA_CPP to a llama.cpp checkout built with cmake (see the header)}"
LLAMA_BENCH=$LLAMA_CPP/build/bin/llama-bench
[ -x "$LLAMA_BENCH" ] || { echo "compare.sh: $LLAMA_BENCH not built" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
DTYPES=${DTYPES:-f32 bf16 f16}
CASES=${CASES:-decode64 prefill256 prefill1280}
LLAMA_THREADS=${LLAMA_THREADS:-2 1}
WORK=${WORK:-$(mktemp -d /tmp/manualbot-llamacpp-XXXXXX)}
if [ -z "${PYTHON:-}" ]; then # the first python3 with numpy (hf_to_gguf.py needs it)
  for p in python3 /usr/bin/python3; do
    if "$p" -c 'import numpy' 2>/dev/null; then PYTHON=$p; break; fi
  done
fi
[ -n "${PYTHON:-}" ] || { echo "compare.sh: needs a python3 with numpy (set PYTHON)" >&2; exit 1; }
mkdir -p "$WORK"
export GOEXPERIMENT=simd
go build -o "$WORK/manualbot" .
MB=$WORK/manualbot

for dt in $DTYPES; do
  if [ ! -f "$WORK/$dt/model.safetensors" ]; then
    "$MB" bench --random smollm2-135m --random-dtype "$dt" --keep-random "$WORK/$dt" \
      --prompt-tokens 1 --gen-tokens 2 >/dev/null 2>&1
  fi
  if [ ! -f "$WORK/$dt.gguf" ]; then
    PYTHONPATH=$LLAMA_CPP/gguf-py "$PYTHON" benchmarks/llamacpp/hf_to_gguf.py "$WORK/$dt" "$WORK/$dt.gguf" "$dt" >/dev/null
  fi
done

RESULTS=$WORK/results.tsv
: > "$RESULTS"
load() { cut -d' ' -f1 /proc/loadavg; }

run_manualbot() { # dtype case
  local args
  case $2 in
    decode64) args=(--prompt-tokens 16 --gen-tokens 64) ;;
    prefill*) args=(--prompt-tokens "${2#prefill}" --gen-tokens 2) ;;
  esac
  local l; l=$(load)
  "$MB" bench --model "$WORK/$1" "${args[@]}" --json 2>/dev/null | python3 -c '
import json, sys
o = json.load(sys.stdin)
case, dt, l = sys.argv[1], sys.argv[2], sys.argv[3]
v = o["decode_tokens_per_s"] if case.startswith("decode") else o["prefill_tokens_per_s"]
print("\t".join(["manualbot", dt, case, "%.2f" % v, l, o.get("kernels", ""), str(o["peak_rss_bytes"])]))' "$2" "$1" "$l" >> "$RESULTS"
}

run_llama() { # dtype case threads
  local args
  case $2 in
    decode64) args=(-p 0 -n 64) ;;
    prefill*) args=(-p "${2#prefill}" -n 0) ;;
  esac
  local l; l=$(load)
  "$LLAMA_BENCH" -m "$WORK/$1.gguf" -t "$3" -r 3 "${args[@]}" -o json 2>/dev/null | python3 -c '
import json, sys
o = json.load(sys.stdin)[0]
case, dt, l, t = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
print("\t".join(["llama.cpp-t" + t, dt, case, "%.2f" % o["avg_ts"], l, o.get("cpu_info", ""), ""]))' "$2" "$1" "$l" "$3" >> "$RESULTS"
}

for r in $(seq "$ROUNDS"); do
  for c in $CASES; do
    for dt in $DTYPES; do
      echo "round $r/$ROUNDS: $c $dt (load $(load))" >&2
      run_manualbot "$dt" "$c"
      for t in $LLAMA_THREADS; do run_llama "$dt" "$c" "$t"; done
    done
  done
done

python3 - "$RESULTS" <<'PY'
import collections, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
vals, loads = collections.defaultdict(list), []
for eng, dt, case, v, load, *_ in rows:
    vals[(eng, dt, case)].append(float(v))
    loads.append(float(load))
engines = sorted({k[0] for k in vals if k[0] != "manualbot"})
print(f"tokens/s, medians of {max(len(v) for v in vals.values())} interleaved rounds; "
      f"1-minute load average during the runs: median {statistics.median(loads):.1f}, max {max(loads):.1f}")
head = ["case", "dtype", "manualbot"] + engines + [f"ratio vs {e}" for e in engines]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
cases = list(dict.fromkeys(k[2] for k in vals))
dts = list(dict.fromkeys(k[1] for k in vals))
for case in cases:
    for dt in dts:
        mb = vals.get(("manualbot", dt, case))
        if not mb:
            continue
        m = statistics.median(mb)
        cells = [case, dt, f"{m:.1f}"]
        ls = [statistics.median(vals[(e, dt, case)]) if vals.get((e, dt, case)) else None for e in engines]
        cells += [f"{l:.1f}" if l else "-" for l in ls]
        cells += [f"{m / l:.2f}" if l else "-" for l in ls]
        print("| " + " | ".join(cells) + " |")
f32 = {c: statistics.median(vals[("manualbot", "f32", c)]) for c in cases if vals.get(("manualbot", "f32", c))}
for dt in dts:
    if dt != "f32" and ("manualbot", dt, "decode64") in vals and "decode64" in f32:
        print(f"manualbot {dt} decode / manualbot f32 decode: {statistics.median(vals[('manualbot', dt, 'decode64')]) / f32['decode64']:.2f}")
PY
echo "raw results: $RESULTS" >&2
