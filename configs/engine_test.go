package configs

import (
	"strings"
	"testing"
	"time"
)

// The serving-engine keys: read from the file and the environment, the API key from a
// file, and each inconsistent setting refused naming its key.
func TestEngineKeys(t *testing.T) {
	key := writeFile(t, "key", "sk-secret\n")
	file := writeFile(t, "c.yaml", "model:\n  path: /m\n  endpoint: http://vllm:8000/v1\n  engine: vllm\n  api_key_file: "+key+
		"\n  engine_adapter: /a/cat\n  max_lora_rank: 32\n  timeout: 5s\n")
	t.Setenv("MANUALBOT_MODEL_RETRIES", "4")
	c, err := Load(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := c.Model
	if m.APIKey != "sk-secret" || m.Engine != "vllm" || m.MaxLoRARank != 32 || m.Timeout != 5*time.Second ||
		m.IdleTimeout != time.Minute || m.Retries != 4 || m.EngineAdapter != "/a/cat" {
		t.Errorf("model = %+v", m)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"model:\n  engine: tgi\n", "model.engine"},
		{"model:\n  endpoint: http://x/v1\n", "model.path"},
		{"model:\n  engine_adapter: /a\n", "model.engine_adapter"},
		{"model:\n  max_lora_rank: -1\n", "max_lora_rank"},
	} {
		if _, err := Load(writeFile(t, "bad.yaml", tc.yaml), nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want one naming %s", tc.yaml, err, tc.want)
		}
	}
}
