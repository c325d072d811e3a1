package qa

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// A follow-up in a long thread is answered whatever the window: the oldest turns go
// first, and passages are given up only once no turn is left. Swept over windows from
// "only the question and one cut passage fit" to "everything fits", every answer succeeds,
// what is kept is always the newest turns, and a window never keeps fewer turns than a
// smaller one.
func TestLongThreadFitsTheBudget(t *testing.T) {
	var history []Turn
	for i := range 10 {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		history = append(history, Turn{Role: role, Text: fmt.Sprintf("turn%d %s", i, strings.Repeat("word ", 30))})
	}
	const maxTokens = 20
	prevKept, sawPartial, sawFewerPassages := -1, false, false
	for window := 110; window <= 800; window += 10 {
		gen := &chatMLGen{window: window, answer: "Press it [1]."}
		p := &Pipeline{Retriever: &fixedRetriever{passages: manualPassages()}, Generator: gen, MaxTokens: maxTokens}
		ans, err := p.Ask(context.Background(), Question{Text: "and then?", History: history}, nil)
		if err != nil {
			t.Fatalf("window %d: %v", window, err)
		}
		if ans.Text == "" {
			t.Fatalf("window %d: empty answer", window)
		}
		prompt := gen.prompts[0]
		if n, _ := gen.CountTokens(prompt); n > window-maxTokens {
			t.Errorf("window %d: prompt of %d tokens overruns the budget %d", window, n, window-maxTokens)
		}
		kept := 0
		for i := len(history) - 1; i >= 0 && strings.Contains(prompt, fmt.Sprintf("turn%d ", i)); i-- {
			kept++
		}
		for i := 0; i < len(history)-kept; i++ {
			if strings.Contains(prompt, fmt.Sprintf("turn%d ", i)) {
				t.Errorf("window %d: kept turn %d but dropped a newer one", window, i)
			}
		}
		passages := strings.Count(prompt, "Widget Manual")
		if passages < 2 && kept > 0 {
			t.Errorf("window %d: %d passages with %d turns: turns must go before passages", window, passages, kept)
		}
		if kept < prevKept {
			t.Errorf("window %d keeps %d turns, a smaller window kept %d", window, kept, prevKept)
		}
		prevKept = kept
		sawPartial = sawPartial || (kept > 0 && kept < len(history))
		sawFewerPassages = sawFewerPassages || passages < 2
	}
	if prevKept != len(history) || !sawPartial || !sawFewerPassages {
		t.Errorf("the sweep missed a case: all kept at the end %v, some dropped %v, passages dropped %v",
			prevKept == len(history), sawPartial, sawFewerPassages)
	}
}
