package adapters

import (
	"fmt"
	"strings"
)

// peftPrefix is what PEFT puts before the base model's module names in adapter files.
const peftPrefix = "base_model.model."

// factorKey is the tensor name PEFT saves for a module's lora_A or lora_B ("A" or "B").
func factorKey(module, part string) string {
	return peftPrefix + module + ".lora_" + part + ".weight"
}

// parseFactorKey splits a tensor name into module and "A"/"B". It accepts PEFT's saved form,
// the in-memory form with the adapter name ("...lora_A.default.weight") and names without the
// "base_model.model." prefix, which some exporters write. Anything else (DoRA magnitudes,
// embedding LoRAs, biases, whole modules) is refused: applying only part of an adapter would
// give a model that is neither the base nor what the adapter's author trained.
func parseFactorKey(key string) (module, part string, err error) {
	name := strings.TrimPrefix(key, peftPrefix)
	for _, p := range []string{"A", "B"} {
		for _, suffix := range []string{".lora_" + p + ".weight", ".lora_" + p + ".default.weight"} {
			if m, ok := strings.CutSuffix(name, suffix); ok && m != "" {
				return m, p, nil
			}
		}
	}
	return "", "", fmt.Errorf("tensor %s: not a LoRA factor (want MODULE.lora_A.weight or MODULE.lora_B.weight); DoRA, embedding LoRAs, biases and saved modules are not supported", key)
}
