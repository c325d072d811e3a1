package bot_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"manualbot/bot"
	"manualbot/qa"
)

// fakeAdmin is an adapter registry in memory: it records swaps, and the answerer reads
// the adapters in use when each answer starts, as the real pipeline does.
type fakeAdmin struct {
	mu          sync.Mutex
	current     []string
	composition string            // the composition in use; "" when adapters were named one by one
	known       map[string]string // name → kind
	uses        []bot.UseRequest
	ingests     []ingested
	reindex     int
}

type ingested struct {
	Name    string
	Content string
	Product string
}

func newFakeAdmin() *fakeAdmin {
	return &fakeAdmin{
		current: []string{"pumps-v1", "qa-v1"},
		known:   map[string]string{"pumps-v1": "domain", "pumps-v2": "domain", "qa-v1": "qa", "qa-v2": "qa"},
	}
}

func (a *fakeAdmin) inUse() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.current)
}

// inUseComposition describes the composition in use, as the real composer does.
func (a *fakeAdmin) inUseComposition() *qa.CompositionInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.composition == "" {
		return nil
	}
	return &qa.CompositionInfo{Name: a.composition, Path: "/adapters/" + a.composition, Adapters: slices.Clone(a.current), Method: "cat", Learned: true}
}

func (a *fakeAdmin) Adapters(context.Context) ([]bot.AdapterInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []bot.AdapterInfo
	for name, kind := range a.known {
		out = append(out, bot.AdapterInfo{Name: name, Kind: kind, Rank: 8, InUse: slices.Contains(a.current, name)})
	}
	slices.SortFunc(out, func(x, y bot.AdapterInfo) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

func (a *fakeAdmin) Use(_ context.Context, req bot.UseRequest) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if req.Composition != "" {
		if !strings.HasPrefix(req.Composition, "pumps+qa-") {
			return fmt.Errorf("no composition named %q", req.Composition)
		}
		a.uses = append(a.uses, req)
		a.composition, a.current = req.Composition, []string{"pumps-v1", "qa-v1"}
		return nil
	}
	names := append(slices.Clone(req.Domain), req.QA)
	for _, n := range names {
		if _, ok := a.known[n]; !ok {
			return fmt.Errorf("no adapter named %q", n)
		}
	}
	a.uses = append(a.uses, req)
	a.current, a.composition = names, ""
	return nil
}

func (a *fakeAdmin) Status(context.Context) (bot.Status, error) {
	return bot.Status{Model: "stories260K", Adapters: a.inUse(), Method: "cat", IndexDocs: 3, IndexChunks: 42}, nil
}

func (a *fakeAdmin) IngestFile(_ context.Context, path, name, product string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ingests = append(a.ingests, ingested{Name: name, Content: string(b), Product: product})
	return fmt.Sprintf("1 document, %d bytes", len(b)), nil
}

func (a *fakeAdmin) Reindex(context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reindex++
	return "3 documents, 42 chunks", nil
}

func (a *fakeAdmin) snapshot() (uses []bot.UseRequest, ingests []ingested) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.uses), slices.Clone(a.ingests)
}

// fakeAnswerer streams a few partials and cites the pump manual. A question containing
// "[hold]" waits, after its first partial, until release is closed, so a test can act
// while an answer is in flight.
type fakeAnswerer struct {
	admin   *fakeAdmin
	release chan struct{}
	// release2 is a second gate, for questions containing "[hold2]".
	release2 chan struct{}
	started  chan qa.Question
	long     string // when set, the answer text for questions containing "[long]"

	mu        sync.Mutex
	questions []qa.Question
}

func newFakeAnswerer(admin *fakeAdmin) *fakeAnswerer {
	return &fakeAnswerer{admin: admin, release: make(chan struct{}), release2: make(chan struct{}), started: make(chan qa.Question, 64)}
}

var pumpCitations = []qa.Citation{
	{N: 1, DocID: "pump-manual", Title: "Pump Manual", Section: "Reset", Page: 12, URL: "https://docs.example.com/pump#reset", ChunkID: "pump-manual#3", Score: 7.5},
	{N: 2, DocID: "pump-faq", Title: "Pump FAQ", Section: "Errors", ChunkID: "pump-faq#1", Score: 4.2},
}

func (f *fakeAnswerer) Ask(ctx context.Context, q qa.Question, onPartial func(string)) (*qa.Answer, error) {
	adapters := f.admin.inUse() // the model an answer starts on is the one it finishes on
	comp := f.admin.inUseComposition()
	f.mu.Lock()
	f.questions = append(f.questions, q)
	f.mu.Unlock()
	text := "Hold the reset button for five seconds [1]. If the light stays red, see the error table [2]."
	if f.long != "" && strings.Contains(q.Text, "[long]") {
		text = f.long
	}
	onPartial("Hold the reset")
	select {
	case f.started <- q:
	default:
	}
	if strings.Contains(q.Text, "[hold]") {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if strings.Contains(q.Text, "[hold2]") {
		select {
		case <-f.release2:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if strings.Contains(q.Text, "[slow]") {
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	onPartial("Hold the reset button for five seconds [1].")
	onPartial(text)
	cites := pumpCitations
	switch {
	case strings.Contains(q.Text, "[uncited]"):
		// What the pipeline returns when the model cited nothing valid.
		text, cites = "Probably unplug it and plug it back in.", []qa.Citation{}
	case strings.Contains(q.Text, "[markdown]"):
		text = "## Reset\n**Hold** the button [1]:\n- press *firmly*\n- wait\n```\nreset --hard\n```"
	}
	return &qa.Answer{Text: text, Citations: cites, Adapters: adapters, Composition: comp,
		Timings: qa.Timings{GeneratedTokens: 20}}, nil
}

func (f *fakeAnswerer) asked() []qa.Question {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.questions)
}
