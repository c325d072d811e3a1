package chat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// conversation is system + user + assistant + user; the last user turn has stray
// whitespace, which Llama-3's template trims and Qwen's keeps.
var conversation = []Message{
	{Role: "system", Content: "You answer from the manual."},
	{Role: "user", Content: "Hi!"},
	{Role: "assistant", Content: "Hello! How can I help?"},
	{Role: "user", Content: "  How do I reset it?\n"},
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	return testutil.Fixture(t, "tokenizers/"+name)
}

func TestModelTemplates(t *testing.T) {
	llama3 := "<|begin_of_text|>" +
		"<|start_header_id|>system<|end_header_id|>\n\nYou answer from the manual.<|eot_id|>" +
		"<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>" +
		"<|start_header_id|>assistant<|end_header_id|>\n\nHello! How can I help?<|eot_id|>" +
		"<|start_header_id|>user<|end_header_id|>\n\nHow do I reset it?<|eot_id|>" +
		"<|start_header_id|>assistant<|end_header_id|>\n\n"
	qwen3 := "<|im_start|>system\nYou answer from the manual.<|im_end|>\n" +
		"<|im_start|>user\nHi!<|im_end|>\n" +
		"<|im_start|>assistant\nHello! How can I help?<|im_end|>\n" +
		"<|im_start|>user\n  How do I reset it?\n<|im_end|>\n"
	tests := []struct {
		model  string
		genPro bool
		want   string
	}{
		// This Llama-3 (base) template appends the assistant header whatever
		// add_generation_prompt says, and so does Hugging Face.
		{"llama3", true, llama3},
		{"llama3", false, llama3},
		{"qwen3", true, qwen3 + "<|im_start|>assistant\n"},
		{"qwen3", false, qwen3},
	}
	for _, tc := range tests {
		t.Run(tc.model, func(t *testing.T) {
			tmpl, err := Load(fixture(t, tc.model))
			if err != nil {
				t.Fatal(err)
			}
			if !tmpl.HasModelTemplate() {
				t.Fatal("HasModelTemplate() = false")
			}
			got, err := tmpl.Render(conversation, tc.genPro)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Render(gen=%v)\n got  %q\n want %q", tc.genPro, got, tc.want)
			}
		})
	}
}

func TestQwen3DropsEarlierReasoning(t *testing.T) {
	tmpl, err := Load(fixture(t, "qwen3"))
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{
		{Role: "user", Content: "2+2?"},
		{Role: "assistant", Content: "<think>\nadd them\n</think>\n\n4"},
		{Role: "user", Content: "3+3?"},
	}
	got, err := tmpl.Render(msgs, true)
	if err != nil {
		t.Fatal(err)
	}
	want := "<|im_start|>user\n2+2?<|im_end|>\n" +
		"<|im_start|>assistant\n4<|im_end|>\n" +
		"<|im_start|>user\n3+3?<|im_end|>\n" +
		"<|im_start|>assistant\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestFallback(t *testing.T) {
	tests := []struct {
		name   string
		dir    func(t *testing.T) string
		genPro bool
		want   string
	}{
		{"mistral has no template", func(t *testing.T) string { return fixture(t, "mistral") }, true,
			"<s>System: You answer from the manual.\n\nUser: Hi!\n\nAssistant: Hello! How can I help?\n\nUser: How do I reset it?\n\nAssistant:"},
		{"no config at all", func(t *testing.T) string { return t.TempDir() }, false,
			"System: You answer from the manual.\n\nUser: Hi!\n\nAssistant: Hello! How can I help?\n\nUser: How do I reset it?\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := Load(tc.dir(t))
			if err != nil {
				t.Fatal(err)
			}
			if tmpl.HasModelTemplate() {
				t.Fatal("HasModelTemplate() = true")
			}
			got, err := tmpl.Render(conversation, tc.genPro)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestConfigForms(t *testing.T) {
	tests := []struct {
		name, config, jinjaFile, want string
	}{
		{"named templates pick default",
			`{"bos_token": {"content": "<B>"}, "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{% endfor %}"}]}`,
			"", "<B>[user]"},
		{"chat_template.jinja wins",
			`{"chat_template": "from config"}`,
			"{{ messages[0].content }}{{ eos_token is defined }}", "Hi!False"},
		{"message keys in order", `{"chat_template": "{% for k, v in messages[0].items() %}{{ k }}={{ v }};{% endfor %}"}`,
			"", "role=user;content=Hi!;"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.jinjaFile != "" {
				if err := os.WriteFile(filepath.Join(dir, "chat_template.jinja"), []byte(tc.jinjaFile), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			tmpl, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.Render([]Message{{Role: "user", Content: "Hi!"}}, false)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tmpl, err := New(`{% if messages[0].role != 'system' %}{{ raise_exception('Conversation must start with system') }}{% endif %}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl.Render([]Message{{Role: "user", Content: "x"}}, true); err == nil || !strings.Contains(err.Error(), "must start with system") {
		t.Errorf("raise_exception: err = %v", err)
	}
	if _, err := New("{% for %}", nil); err == nil {
		t.Error("bad template compiled")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("malformed config: err = %v", err)
	}
}

func TestStrftimeNow(t *testing.T) {
	tmpl, err := New(`{{ strftime_now("%Y") }}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.Render(nil, false)
	if err != nil || len(got) != 4 {
		t.Errorf("strftime_now = %q, %v", got, err)
	}
}
