package qa

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// When the answer's token reservation leaves no room for the prompt, the error says what
// to do: the largest max_tokens that fits (and that value then works), or, when even the
// system prompt and question overrun the window, that no max_tokens can help.
func TestContextOverflowSaysWhatToDo(t *testing.T) {
	tests := []struct {
		name    string
		window  int
		want    []string
		fixable bool
	}{
		{"answer reservation too big", 110, []string{"model.max_tokens", "--max-tokens", "at most"}, true},
		{"prompt alone too big", 40, []string{"system prompt and question", "40-token context window"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pipeline{Retriever: &fixedRetriever{passages: manualPassages()}, Generator: &chatMLGen{window: tc.window, answer: "ok"}, MaxTokens: 100}
			_, err := p.Ask(context.Background(), Question{Text: "how do I reset it?"}, nil)
			if err == nil {
				t.Fatal("Ask succeeded; want a context window error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			m := regexp.MustCompile(`at most (\d+)`).FindStringSubmatch(err.Error())
			if !tc.fixable {
				if m != nil {
					t.Errorf("error %q suggests a max_tokens that cannot help", err)
				}
				return
			}
			if m == nil {
				t.Fatalf("error %q suggests no value", err)
			}
			n, _ := strconv.Atoi(m[1])
			p.MaxTokens = n
			if _, err := p.Ask(context.Background(), Question{Text: "how do I reset it?"}, nil); err != nil {
				t.Errorf("with the suggested max_tokens %d: %v", n, err)
			}
		})
	}
}
