package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// PEFTAdapters lays out an adapters folder holding the real PEFT adapters of
// testdata/hfref (made by PEFT from stories260K), each with a manualbot.json:
// "widget" (adapter_a, domain, product widget), "gizmo" (adapter_c, domain, product
// gizmo) and "answering" (adapter_b, rank 8 with rsLoRA, the QA skill).
func PEFTAdapters(tb testing.TB) string {
	tb.Helper()
	ref := filepath.Join(RepoRoot(tb), "testdata", "hfref")
	root := tb.TempDir()
	for name, spec := range map[string]struct{ src, manifest string }{
		"widget":    {"adapter_a", `{"skill":"domain","products":["widget"]}`},
		"gizmo":     {"adapter_c", `{"skill":"domain","products":["gizmo"]}`},
		"answering": {"adapter_b", `{"skill":"qa"}`},
	} {
		dst := filepath.Join(root, name)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			tb.Fatal(err)
		}
		for _, f := range []string{"adapter_config.json", "adapter_model.safetensors"} {
			b, err := os.ReadFile(filepath.Join(ref, spec.src, f))
			if err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dst, "manualbot.json"), []byte(spec.manifest), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}
