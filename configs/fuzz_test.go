package configs

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad reads arbitrary bytes as a YAML, JSON or TOML config file: a bad file is a
// one-line error, never a panic, and a config that loads passes its own validation.
func FuzzLoad(f *testing.F) {
	example, err := os.ReadFile("manualbot.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example, uint8(0))
	f.Add([]byte("retrieval:\n  k: -3\n  fuzziness: auto\nslack:\n  bot_token: [1, 2]\n"), uint8(0))
	f.Add([]byte("data_dir: &a [*a]\nunknown_key: 1\n"), uint8(0))
	f.Add([]byte(`{"retrieval":{"k":5},"adapters":{"dirs":"a,b"},"model":{"path":null}}`), uint8(1))
	f.Add([]byte("[retrieval]\nk = 1e400\n[slack]\nreconnect = \"1h\"\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		ext := []string{".yaml", ".json", ".toml"}[int(format)%3]
		p := filepath.Join(t.TempDir(), "manualbot"+ext)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p, nil)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("loaded config fails validation: %v", err)
		}
	})
}
