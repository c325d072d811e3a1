#!/usr/bin/env bash
# The miniature skill-composition benchmark, end to end, from one command:
# regenerate the data (seed 1), train the domain, QA and data-mix LoRAs with the same
# budget (steps x batch x seq-len), learn CAT weights on the tuning questions, and
# evaluate every method on the held-out test questions closed-book and open-book.
#
#   benchmarks/mini/run.sh [--smoke] [--model DIR] [--backend B] [--out DIR] [--work DIR]
#                          [--steps N] [--batch N] [--seq-len N] [--lr X] [--rank N]
#                          [--tune-steps N] [--questions N] [--tags xla]
#
# Writes OUT (default benchmarks/mini/results, or a temporary folder with --smoke):
# results.txt, report.json, chart.svg (chart.png when rsvg-convert is there) and run.log
# (the commands, seeds, timings and machine load), answers.jsonl (every answer),
# merges-at-1/ (the merges at weights 1,1), skill/ (the QA skill on unseen story
# questions), prior.txt (the guessing floor) and cloze/ (the knowledge probe: the same
# facts as fill-in-the-blanks). --smoke is the same pipeline on a tiny manual with a few
# steps, for CI: it proves the plumbing, not the effect.
set -euo pipefail
export GOEXPERIMENT=simd

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
model="$root/testdata/models/stories260K"
backend=""
tags=""
out=""
work=""
smoke=0
seed=1
steps=300 batch=4 seq_len=256 lr=2e-3 rank=8 alpha=16 tune_steps=40 tune_lr=0.05
answer_tokens=12
skill_n=200 # unseen story questions for the skill probe
questions=0 # 0: every test question
gen_args=()

while (($#)); do
	case "$1" in
	--smoke) smoke=1 ;;
	--model) model=$2; shift ;;
	--backend) backend=$2; shift ;;
	--tags) tags=$2; shift ;;
	--out) out=$2; shift ;;
	--work) work=$2; shift ;;
	--steps) steps=$2; shift ;;
	--batch) batch=$2; shift ;;
	--seq-len) seq_len=$2; shift ;;
	--lr) lr=$2; shift ;;
	--rank) rank=$2; alpha=$((2 * $2)); shift ;;
	--tune-steps) tune_steps=$2; shift ;;
	--questions) questions=$2; shift ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

if ((smoke)); then
	steps=6 batch=2 seq_len=128 tune_steps=3 answer_tokens=6 skill_n=8
	gen_args=(-gadgets 4 -test 6 -tune 2 -qa 24 -closed-qa 4)
fi
[[ -n $work ]] || work=$(mktemp -d "${TMPDIR:-/tmp}/mini-bench.XXXXXX")
if [[ -z $out ]]; then
	if ((smoke)); then out="$work/results"; else out="$root/benchmarks/mini/results"; fi
fi
model=$(cd "$model" && pwd)
mkdir -p "$out" "$work"
log="$out/run.log"
: >"$log"
bin="$work/manualbot"
backend_args=()
[[ -n $backend ]] && backend_args=(--backend "$backend")

note() { echo "$*" | tee -a "$log" >&2; }
# step NAME CMD...: runs CMD, logging it, its output and its wall time.
step() {
	local name=$1; shift
	note "## $name: $*"
	local t0=$SECONDS
	"$@" >>"$log" 2>&1 || { note "!! $name failed (see $log)"; tail -20 "$log" >&2; exit 1; }
	note "## $name took $((SECONDS - t0)) s (load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'))"
}

start=$SECONDS
note "# mini benchmark $(date -u +%FT%TZ) smoke=$smoke seed=$seed commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
note "# model=$model backend=${backend:-go} tags=${tags:-none} cpus=$(nproc) steps=$steps batch=$batch seq_len=$seq_len lr=$lr rank=$rank alpha=$alpha tune_steps=$tune_steps"
step build go build -C "$root" -tags "$tags" -o "$bin" .
data="$work/data"
step data go run -C "$root" ./benchmarks/mini/cmd/gen -out "$data" -seed "$seed" "${gen_args[@]}"

# The domain adapter must see every page of the manual: train holds out a share of the
# sequences for validation (at least one), so its text goes in twice and the held-out
# page is also trained on. The mix gets the plain union (the same files as each expert).
cat "$data/domain_train.jsonl" "$data/domain_train.jsonl" >"$data/domain_x2.jsonl"
train=(adapters train --model "$model" "${backend_args[@]}" --rank "$rank" --alpha "$alpha" --steps "$steps"
	--batch "$batch" --seq-len "$seq_len" --lr "$lr" --seed "$seed" --val-fraction 0.01 --eval-every "$steps")
ad="$work/adapters"
rm -rf "$ad"
step train-domain "$bin" "${train[@]}" --skill domain --text "$data/domain_x2.jsonl" --out "$ad/domain"
step train-qa "$bin" "${train[@]}" --skill qa --qa "$data/qa_train.jsonl" --out "$ad/qa"
step train-mix "$bin" "${train[@]}" --skill qa --text "$data/domain_train.jsonl" --qa "$data/qa_train.jsonl" --out "$ad/mix"
# Tuning batches are the training's (batch x seq-len): tune's default (all records up to 8,
# 512 tokens) hangs the go backend's parallel matmul on 2 cores (see README).
step tune-cat "$bin" adapters tune --model "$model" "${backend_args[@]}" --data "$data/tune_train.jsonl" \
	--steps "$tune_steps" --lr "$tune_lr" --batch "$batch" --seq-len "$seq_len" --seed "$seed" \
	--out "$ad/cat_learned" "$ad/domain" "$ad/qa"

qs="$data/test.jsonl"
if ((questions > 0)); then
	head -n "$questions" "$qs" >"$data/test_head.jsonl"
	qs="$data/test_head.jsonl"
fi
step eval "$bin" eval --model "$model" "${backend_args[@]}" --data-dir "$work/empty-data" --questions "$qs" \
	--adapters "$ad" --prompt plain --closed-book --open-book --answer-tokens "$answer_tokens" --seed "$seed" --out "$out"
# The guessing floor: the most common answer of each question's kind, leave-one-out.
step prior go run -C "$root" ./benchmarks/mini/cmd/prior -questions "$qs"
grep '^prior' "$log" | tail -1 >"$out/prior.txt"

# The merges again at full weights (1,1): the sum of both adapters, each at the strength
# it was trained at, against the main table's 0.5,0.5 (where adapters tune starts).
step merges-at-1 "$bin" eval --model "$model" "${backend_args[@]}" --data-dir "$work/empty-data" --questions "$qs" \
	--adapters "$ad" --prompt plain --methods linear,ties,dare_ties,cat --merge-weights 1,1 --closed-book --open-book \
	--answer-tokens "$answer_tokens" --seed "$seed" --out "$out/merges-at-1"

# The skill probe: the QA skill on its own kind of questions, unseen (stories of seed
# seed+1), open-book. CAT composes skills; this says whether the QA skill is there at all.
step skill-data go run -C "$root" ./benchmarks/mini/cmd/gen -out "$data/skill" "${gen_args[@]}" \
	-seed $((seed + 1)) -qa "$skill_n" -closed-qa 0
head -n "$skill_n" "$data/skill/qa_train.jsonl" >"$data/skill_test.jsonl"
step skill "$bin" eval --model "$model" "${backend_args[@]}" --data-dir "$work/empty-data" --questions "$data/skill_test.jsonl" \
	--adapters "$ad" --prompt plain --methods none,qa,mix,cat,cat_learned --open-book --answer-tokens "$answer_tokens" --seed "$seed" --out "$out/skill"

# The knowledge probe: the same facts as fill-in-the-blanks in the manual's own words,
# prompted raw, so that "does not know" and "cannot say it as an answer" are told apart.
cq="$data/cloze.jsonl"
if ((questions > 0)); then
	head -n "$questions" "$cq" >"$data/cloze_head.jsonl"
	cq="$data/cloze_head.jsonl"
fi
step cloze "$bin" eval --model "$model" "${backend_args[@]}" --data-dir "$work/empty-data" --questions "$cq" \
	--adapters "$ad" --closed-book --prompt raw --answer-tokens "$answer_tokens" --seed "$seed" --out "$out/cloze"
if command -v rsvg-convert >/dev/null; then
	for d in "$out" "$out/merges-at-1" "$out/skill" "$out/cloze"; do
		rsvg-convert -w 900 -o "$d/chart.png" "$d/chart.svg" && note "## wrote $d/chart.png"
	done
fi
cp "$ad/cat_learned/cat_weights.json" "$out/cat_weights.json"
note "# total $((SECONDS - start)) s"
cat "$out/results.txt" "$out/prior.txt" "$out/merges-at-1/results.txt" "$out/skill/results.txt" "$out/cloze/results.txt"
