package configs

import (
	"errors"
	"strings"
	"testing"
)

// A misspelt key must not be ignored in silence: the user believes a setting is in force
// that is not. Errors name the key (and the likely one meant) on one line.
func TestUnknownAndMistypedKeys(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error; none means Load succeeds
	}{
		{"misspelt section", "retrival:\n  k: 3\n", []string{`unknown key "retrival.k"`, `"retrieval.k"`}},
		{"misspelt key", "model:\n  max_token: 64\n", []string{`unknown key "model.max_token"`, `"model.max_tokens"`}},
		{"unknown top-level key", "bogus_key: 1\n", []string{`unknown key "bogus_key"`}},
		{"two unknown keys", "foo: 1\nslack:\n  tokn: x\n", []string{`"foo"`, `"slack.tokn"`}},
		{"channel ids are free-form", "slack:\n  channel_products:\n    C0123: brewmaster\n", nil},
		{"number expected", "retrieval:\n  k: five\n", []string{`retrieval.k: "five" is not a valid int`}},
		{"two bad values", "retrieval:\n  k: five\n  fuzziness: one\n", []string{`retrieval.k: "five"`, `retrieval.fuzziness: "one"`}},
		{"duration expected", "slack:\n  update_interval: soon\n", []string{"slack.update_interval:", `"soon"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			c, err := Load(writeFile(t, "c.yaml", tc.yaml), nil)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if c.Slack.ChannelProducts["c0123"] != "brewmaster" {
					t.Errorf("channel_products = %v", c.Slack.ChannelProducts)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load succeeded; want an error with %q", tc.want)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "decoding failed") || strings.Contains(msg, "\n\n") {
				t.Errorf("error %q carries mapstructure's multi-line wrapper", msg)
			}
			if !errors.Is(err, errInvalid) {
				t.Errorf("error %q is not marked as invalid config", msg)
			}
		})
	}
}

// --config naming a folder or a file of an unknown format says so in words, not as
// viper's 'Unsupported Config Type ""'.
func TestConfigFileThatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, file, want string }{
		{"a folder", dir, "is a folder"},
		{"unknown extension", writeFile(t, "manualbot.conf", "data_dir: x\n"), ".yaml"},
		{"missing", dir + "/nope.yaml", "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.file, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), `Type ""`) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
