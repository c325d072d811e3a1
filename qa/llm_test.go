package qa

import (
	"context"
	"strings"
	"testing"

	"manualbot/index"
	"manualbot/internal/testutil"
)

// TestAskEndToEndWithTheRealModel runs the whole pipeline on real components: a Bleve
// index on disk, the stories260K checkpoint with its tokenizer, and real PEFT adapters.
func TestAskEndToEndWithTheRealModel(t *testing.T) {
	ctx := context.Background()
	store, err := index.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	u, err := store.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chunks := []index.Chunk{
		{ID: "w1", DocID: "widget-manual", Title: "Widget Manual", Section: []string{"Reset"}, Product: "widget", Text: "To reset the widget, hold the red button for five seconds until the light blinks."},
		{ID: "w2", DocID: "widget-manual", Title: "Widget Manual", Section: []string{"Colours"}, Product: "widget", Text: "The widget comes in blue and green. The lid is always white."},
	}
	if err := u.Put(ctx, chunks); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	comp, _ := newTestComposer(t, Selection{QA: "answering"})
	llm, err := NewLLM(ctx, LLMOptions{Dir: testutil.Fixture(t, "models/stories260K"), Backend: "go", Composer: comp})
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{Retriever: IndexRetriever{Store: store}, Generator: llm, MaxTokens: 24}
	var streamed []string
	ans, err := p.Ask(ctx, Question{Text: "How do I reset the widget?"}, func(s string) { streamed = append(streamed, s) })
	if err != nil {
		t.Fatal(err)
	}
	if ans.RetrievalOnly || strings.TrimSpace(ans.Text) == "" {
		t.Fatalf("answer = %+v", ans)
	}
	if g := ans.Timings.GeneratedTokens; g < 1 || g > 24 {
		t.Errorf("generated %d tokens with a budget of 24", g)
	}
	if pt := ans.Timings.PromptTokens; pt+24 > llm.ContextWindow() || pt < 40 {
		t.Errorf("prompt of %d tokens for a %d-token window", pt, llm.ContextWindow())
	}
	if strings.Join(ans.Adapters, ",") != "widget,answering" {
		t.Errorf("adapters = %v, want the widget domain adapter and the QA adapter", ans.Adapters)
	}
	if len(streamed) < 2 {
		t.Errorf("the answer did not stream: %d partials", len(streamed))
	}
	for _, c := range ans.Citations {
		if c.ChunkID != "w1" && c.ChunkID != "w2" {
			t.Errorf("citation of a passage that was never retrieved: %+v", c)
		}
	}
}
