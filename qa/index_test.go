package qa

import (
	"context"
	"log/slog"
	"testing"

	"manualbot/index"
)

// TestNotInTheManualsRefuses runs the pipeline over a real index: a question the manual
// answers gets passages, one it does not gets the plain refusal and no citation.
func TestNotInTheManualsRefuses(t *testing.T) {
	ctx := context.Background()
	s, err := index.Open(ctx, t.TempDir(), index.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Put(ctx, []index.Chunk{
		{ID: "r#0", DocID: "router", Title: "Router guide", Section: []string{"Installation"}, Text: "To install the router software on Linux, run the installer as root."},
		{ID: "r#1", DocID: "router", Title: "Router guide", Section: []string{"Passwords"}, Text: "Change the admin password from the web console."},
	}); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{Retriever: IndexRetriever{Store: s, Fuzziness: 1}}
	for _, tc := range []struct {
		q       string
		refused bool
	}{
		{"how do I install the router on linux?", false},
		{"What is a good recipe for banana bread?", true},
		{"how do I change the admin pasword", false}, // a typo still finds it
		{"什么是路由器？", true},
	} {
		ans, err := p.Ask(ctx, Question{Text: tc.q}, nil)
		if err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		if refused := ans.Text == NothingFound; refused != tc.refused || (refused && len(ans.Citations) != 0) {
			t.Errorf("%q: answer %q with %d citations, want refused=%v", tc.q, ans.Text, len(ans.Citations), tc.refused)
		}
	}
	// The rule off: every question gets whatever matches.
	off := &Pipeline{Retriever: IndexRetriever{Store: s, MinRelevance: -1}}
	if ans, err := off.Ask(ctx, Question{Text: "router banana"}, nil); err != nil || ans.Text == NothingFound {
		t.Errorf("rule off: %q, %v", ans.Text, err)
	}
}
