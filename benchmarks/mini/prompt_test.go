package mini

import "testing"

func TestPromptFormat(t *testing.T) {
	tests := []struct{ name, q, ctx, want string }{
		{"closed", "What colour is the Zibok?", "", "Question: What colour is the Zibok?\nAnswer:"},
		{"open", "What colour is it?", "It is red.\n\nIt is  big.", "Context: It is red. It is big.\nQuestion: What colour is it?\nAnswer:"},
		{"blank context is closed", "Q?", " \n ", "Question: Q?\nAnswer:"},
	}
	for _, tc := range tests {
		if got := Prompt(tc.q, tc.ctx); got != tc.want {
			t.Errorf("%s: Prompt = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCompletionRoundTrip(t *testing.T) {
	for _, a := range []string{"blue", "in the toy box", "pull the handle"} {
		if got := ExtractAnswer(Completion(a)); got != a {
			t.Errorf("ExtractAnswer(Completion(%q)) = %q", a, got)
		}
	}
	tests := []struct{ gen, want string }{
		{" red. The Zibok is big.", "red"},
		{" in the shed\nQuestion: more", "in the shed"},
		{"  no stop at all ", "no stop at all"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := ExtractAnswer(tc.gen); got != tc.want {
			t.Errorf("ExtractAnswer(%q) = %q, want %q", tc.gen, got, tc.want)
		}
	}
}
