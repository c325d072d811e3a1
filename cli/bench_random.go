package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"manualbot/inference/testmodel"
)

// randomShapes are the model shapes `bench --random` can write with random weights, so
// anyone can reproduce the published figures without downloading a checkpoint.
var randomShapes = map[string]func() testmodel.Config{
	"smollm2-135m": testmodel.SmolLM2_135M,
	"tiny":         testmodel.Tiny,
}

// benchRandom writes a random-weight model of the named shapes to a temporary folder and
// benchmarks it in a child process, so that writing the weights does not count in the
// peak memory the benchmark reports.
func benchRandom(ctx context.Context, app *App, shapes, dtype, keep string, promptTokens, genTokens, concurrency int, jsonOut bool) error {
	mk, ok := randomShapes[shapes]
	if !ok {
		return fmt.Errorf("bench: unknown --random shapes %q (known: smollm2-135m, tiny)", shapes)
	}
	cfg := mk()
	switch strings.ToLower(dtype) {
	case "f32", "float32", "":
		cfg.DType = "F32"
	case "bf16", "bfloat16":
		cfg.DType = "BF16"
	case "f16", "float16":
		cfg.DType = "F16"
	default:
		return fmt.Errorf("bench: unknown --random-dtype %q (known: f32, bf16, f16)", dtype)
	}
	dir := keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "manualbot-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	app.Log.Info("writing a random-weight model", "shapes", shapes, "dtype", cfg.DType, "dir", dir)
	if err := testmodel.Write(dir, cfg, 1); err != nil {
		return fmt.Errorf("bench: write %s model: %w", shapes, err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"bench", "--model", dir, "--prompt-tokens", strconv.Itoa(promptTokens),
		"--gen-tokens", strconv.Itoa(genTokens), "--backend", app.Config.Model.Backend, "--concurrency", strconv.Itoa(concurrency)}
	if jsonOut {
		args = append(args, "--json")
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stdout, cmd.Stderr = app.Stdout, app.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bench of random %s weights failed (%v; its error is above)", shapes, err)
	}
	return nil
}
