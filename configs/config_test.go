package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "c.yaml", "data_dir: /from/file\nretrieval:\n  k: 7\nmodel:\n  max_tokens: 99\n")
	tests := []struct {
		name    string
		env     map[string]string
		flagK   string
		wantDir string
		wantK   int
	}{
		{"file beats default", nil, "", "/from/file", 7},
		{"env beats file", map[string]string{"MANUALBOT_DATA_DIR": "/from/env", "MANUALBOT_RETRIEVAL_K": "9"}, "", "/from/env", 9},
		{"flag beats env", map[string]string{"MANUALBOT_RETRIEVAL_K": "9"}, "3", "/from/file", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			fs.Int("k", 5, "")
			if tc.flagK != "" {
				if err := fs.Parse([]string{"--k", tc.flagK}); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Load(file, map[string]*pflag.Flag{"retrieval.k": fs.Lookup("k")})
			if err != nil {
				t.Fatal(err)
			}
			if c.DataDir != tc.wantDir || c.Retrieval.K != tc.wantK {
				t.Errorf("data_dir=%q k=%d, want %q %d", c.DataDir, c.Retrieval.K, tc.wantDir, tc.wantK)
			}
			if c.Model.MaxTokens != 99 {
				t.Errorf("model.max_tokens=%d, want 99 from the file", c.Model.MaxTokens)
			}
		})
	}
}

func TestEnvOnlyKeysAndTypes(t *testing.T) {
	t.Chdir(t.TempDir()) // no ./manualbot.yaml
	t.Setenv("MANUALBOT_SLACK_ADMINS", "U1,U2")
	t.Setenv("MANUALBOT_SLACK_UPDATE_INTERVAL", "250ms")
	t.Setenv("MANUALBOT_MODEL_BACKEND", "xla:/opt/pjrt.so")
	t.Setenv("MANUALBOT_ADAPTERS_WEIGHTS", "0.7,0.3")
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Slack.Admins, "|") != "U1|U2" {
		t.Errorf("admins = %v", c.Slack.Admins)
	}
	if c.Slack.UpdateInterval != 250*time.Millisecond {
		t.Errorf("update_interval = %v", c.Slack.UpdateInterval)
	}
	if c.Model.Backend != "xla:/opt/pjrt.so" {
		t.Errorf("backend = %q", c.Model.Backend)
	}
	if len(c.Adapters.Weights) != 2 || c.Adapters.Weights[0] != 0.7 {
		t.Errorf("weights = %v", c.Adapters.Weights)
	}
	if c.IndexPath() != filepath.Join("data", "index") {
		t.Errorf("index path = %q", c.IndexPath())
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"bad k", "retrieval:\n  k: 0\n", "retrieval.k"},
		{"bad backend", "model:\n  backend: cuda\n", "model.backend"},
		{"bad method", "adapters:\n  method: average\n", "adapters.method"},
		{"bad mode", "slack:\n  mode: rtm\n", "slack.mode"},
		{"overlap too big", "ingest:\n  chunk_size: 200\n  chunk_overlap: 150\n", "ingest.chunk_overlap"},
		{"not yaml", "data_dir: [unclosed\n", "read config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, "c.yaml", tc.yaml), nil)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one naming %q", err, tc.wantErr)
			}
		})
	}
}

func TestSecretFiles(t *testing.T) {
	secret := writeFile(t, "tok", "xoxb-secret\n")
	file := writeFile(t, "c.yaml", "slack:\n  mode: http\n  bot_token_file: "+secret+"\n  signing_secret: s\n")
	c, err := Load(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Slack.BotToken != "xoxb-secret" {
		t.Errorf("bot token = %q", c.Slack.BotToken)
	}
	if err := c.ValidateForServe(); err != nil {
		t.Errorf("serve validation: %v", err)
	}
	c.Slack.Mode = "socket"
	if err := c.ValidateForServe(); err == nil || !strings.Contains(err.Error(), "app_token") {
		t.Errorf("socket mode without app token: %v", err)
	}
}

func TestExampleFileLoads(t *testing.T) {
	c, err := Load("manualbot.example.yaml", nil)
	if err != nil {
		t.Fatalf("the shipped example must load: %v", err)
	}
	if c.Retrieval.K != 5 {
		t.Errorf("example k = %d", c.Retrieval.K)
	}
}
