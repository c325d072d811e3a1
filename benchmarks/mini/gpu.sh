#!/usr/bin/env bash
# The mini benchmark on a GPU machine with a model large enough for the effect to show
# (see README.md: a Llama-family checkpoint of ~135M-1B parameters in Hugging Face
# format, e.g. SmolLM2-360M or TinyLlama-1.1B, read from a local folder; nothing is
# downloaded). Same pipeline and seeds as run.sh, larger budgets:
#
#   benchmarks/mini/gpu.sh MODEL_DIR --backend xla:/abs/path/to/pjrt_plugin.so [--out DIR] [run.sh flags]
#
# The binary is built with -tags xla (cgo), which the XLA backend needs. Later flags
# override the budgets below (e.g. --steps 2000).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if (($# < 1)) || [[ $1 == -* ]]; then
	echo "usage: gpu.sh MODEL_DIR --backend xla:/abs/path/to/pjrt_plugin.so [--out DIR] [run.sh flags]" >&2
	exit 2
fi
model=$1
shift
[[ " $* " == *" --backend "* ]] || { echo "gpu.sh: --backend xla:/abs/path/to/pjrt_plugin.so is required" >&2; exit 2; }
# Budget: 1,000 steps x 16 sequences x 256 tokens per adapter (the CPU run's 300 x 4 x 256,
# x13), rank 16, 100 CAT tuning steps; the answer format is the same short one.
exec "$here/run.sh" --model "$model" --tags xla --out "$here/results-gpu" \
	--steps 1000 --batch 16 --seq-len 256 --lr 1e-3 --rank 16 --tune-steps 100 "$@"
