package adapters

import (
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
)

// maxProblems caps how many shape problems one error lists; an adapter for another model
// usually disagrees on every module and the first few say enough.
const maxProblems = 8

// Validate checks an adapter against the base model before anything touches the running
// model: every module the adapter adapts exists in the model (layer in range, a projection the
// model has), and lora_A is [r, in] and lora_B [out, r] with in/out of that projection. A base
// model name that differs from the model's is only logged as a warning when the shapes fit (a
// renamed or re-hosted checkpoint is common); when they do not fit, the error says so.
func Validate(a *Adapter, shape ModelShape, log *slog.Logger) error {
	log = orDiscard(log)
	if err := shape.Check(); err != nil {
		return fmt.Errorf("validate adapter %s: %w", a.Name, err)
	}
	var problems []error
	total := 0
	for _, m := range a.ModuleNames() {
		f := a.Modules[m]
		if err := f.check(m); err != nil {
			problems, total = appendProblem(problems, total, err)
			continue
		}
		in, out, err := shape.ModuleShape(m)
		if err != nil {
			problems, total = appendProblem(problems, total, err)
			continue
		}
		if f.In != in || f.Out != out {
			problems, total = appendProblem(problems, total, fmt.Errorf(
				"module %s: lora_A is [%d,%d] and lora_B [%d,%d], the model needs [r,%d] and [%d,r]",
				m, f.Rank, f.In, f.Out, f.Rank, in, out))
		}
	}
	mismatch := a.Config.BaseModel != "" && shape.Name != "" && !sameModelName(a.Config.BaseModel, shape.Name)
	if len(problems) > 0 {
		if total > len(problems) {
			problems = append(problems, fmt.Errorf("and %d more", total-len(problems)))
		}
		err := errors.Join(problems...)
		if mismatch {
			return fmt.Errorf("validate adapter %s: it was trained on %s, not %s: %w", a.Name, a.Config.BaseModel, shape.Name, err)
		}
		return fmt.Errorf("validate adapter %s: %w", a.Name, err)
	}
	if mismatch {
		log.Warn("adapter was trained on another base model; its shapes fit, so it is used anyway",
			"adapter", a.Name, "adapter_base_model", a.Config.BaseModel, "model", shape.Name)
	}
	return nil
}

func appendProblem(problems []error, total int, err error) ([]error, int) {
	if len(problems) < maxProblems {
		problems = append(problems, err)
	}
	return problems, total + 1
}

// sameModelName compares model names loosely: a hub id and a local folder of the same
// checkpoint ("HuggingFaceTB/SmolLM2-135M" and "/models/SmolLM2-135M") count as the same.
func sameModelName(a, b string) bool {
	clean := func(s string) string {
		s = strings.TrimRight(strings.ReplaceAll(s, "\\", "/"), "/")
		return strings.ToLower(path.Base(s))
	}
	return clean(a) == clean(b)
}
