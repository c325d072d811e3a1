package qa

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"manualbot/adapters"
	"manualbot/index"
	"manualbot/inference"
	"manualbot/internal/testutil"
)

// copyDir copies the files of src into a new folder and returns it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestModelFolderReplacedWhileServing answers a question, then overwrites every file of
// the model folder in place (same inodes, so a model still mapping or reading them would
// see garbage or die of SIGBUS) and removes the folder, as a careless upgrade would; the
// running model must answer the same question the same way, greedily.
func TestModelFolderReplacedWhileServing(t *testing.T) {
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
	if err := u.Put(ctx, []index.Chunk{{ID: "w1", DocID: "widget-manual", Title: "Widget Manual", Section: []string{"Reset"},
		Product: "widget", Text: "To reset the widget, hold the red button for five seconds until the light blinks."}}); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	dir := copyDir(t, testutil.Fixture(t, "models/stories260K"))
	llm, err := NewLLM(ctx, LLMOptions{Dir: dir, Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{Retriever: IndexRetriever{Store: store}, Generator: llm, MaxTokens: 16}
	q := Question{Text: "How do I reset the widget?"}
	before, err := p.Ask(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(dir, e.Name()), []byte("{not a model"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	after, err := p.Ask(ctx, q, nil)
	if err != nil {
		t.Fatalf("the running model failed after its folder was overwritten: %v", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	gone, err := p.Ask(ctx, q, nil)
	if err != nil {
		t.Fatalf("the running model failed after its folder was removed: %v", err)
	}
	if before.Text == "" || after.Text != before.Text || gone.Text != before.Text {
		t.Fatalf("answers changed: %q, then %q, then %q", before.Text, after.Text, gone.Text)
	}
	// Loading the replaced folder again is a clear error, not a crash.
	if _, err := NewLLM(ctx, LLMOptions{Dir: dir, Backend: "go"}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("loading the removed model folder: %v, want an error naming it", err)
	}
}

// TestAdapterFolderDeletedUnderRegistry deletes adapter folders after the registry
// scanned them: a selection or a question needing one gets a clear error naming it, and
// the model keeps the adapters it had (its logits do not move).
func TestAdapterFolderDeletedUnderRegistry(t *testing.T) {
	ctx := context.Background()
	root := testutil.PEFTAdapters(t)
	reg, err := adapters.Scan(ctx, []string{root}, adapters.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, m := newTestComposerFrom(t, reg, Selection{QA: "answering"})
	if _, err := c.apply(ctx, []string{"gizmo"}); err != nil { // gizmo + answering, in use
		t.Fatal(err)
	}
	inUse, want := c.InUse(), lastLogits(t, m)
	for _, name := range []string{"widget", "gizmo"} {
		if err := os.RemoveAll(filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	err = c.Use(ctx, Selection{Domain: []string{"widget"}, QA: "answering"})
	if err == nil || !strings.Contains(err.Error(), "widget") {
		t.Fatalf("use of a deleted adapter: %v, want an error naming it", err)
	}
	if sel := c.Current(); len(sel.Domain) != 0 || sel.QA != "answering" {
		t.Fatalf("a failed use changed the selection to %+v", sel)
	}
	if _, err := c.apply(ctx, []string{"widget"}); err == nil || !strings.Contains(err.Error(), "widget") {
		t.Fatalf("a question needing the deleted adapter: %v, want an error naming it", err)
	}
	if got := c.InUse(); !slices.Equal(got, inUse) {
		t.Fatalf("adapters in use changed from %v to %v", inUse, got)
	}
	if got := lastLogits(t, m); !slices.Equal(got, want) {
		t.Fatal("the model's output moved after failed loads of deleted adapters")
	}
	// The adapters already in use (gizmo's folder is gone too) keep answering.
	if _, err := c.apply(ctx, []string{"gizmo"}); err != nil {
		t.Fatalf("the cached composition in use failed after its folder was deleted: %v", err)
	}
}

// newTestComposerFrom is newTestComposer over a registry the test controls.
func newTestComposerFrom(t *testing.T, reg *adapters.Registry, sel Selection) (*Composer, *inference.Model) {
	t.Helper()
	dir := testutil.Fixture(t, "models/stories260K")
	m, err := inference.Load(context.Background(), dir, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	c := NewComposer(reg, Selection{}, false, nil)
	c.bind(m, dir)
	if err := c.Use(context.Background(), sel); err != nil {
		t.Fatal(err)
	}
	return c, m
}
