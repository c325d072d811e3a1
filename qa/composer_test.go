package qa

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"manualbot/adapters"
	"manualbot/inference"
	"manualbot/internal/testutil"
)

func newTestComposer(t *testing.T, sel Selection) (*Composer, *inference.Model) {
	t.Helper()
	ctx := context.Background()
	reg, err := adapters.Scan(ctx, []string{testutil.PEFTAdapters(t)}, adapters.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := inference.Load(ctx, testutil.Fixture(t, "models/stories260K"), inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	c := NewComposer(reg, Selection{}, false, nil)
	c.bind(m, testutil.Fixture(t, "models/stories260K"))
	if err := c.Use(ctx, sel); err != nil {
		t.Fatal(err)
	}
	return c, m
}

var storyPrompt = []int{1, 403, 407, 261, 378, 29}

func lastLogits(t *testing.T, m *inference.Model) []float32 {
	t.Helper()
	l, err := m.Logits(context.Background(), storyPrompt)
	if err != nil {
		t.Fatal(err)
	}
	return l[len(l)-1]
}

func TestComposerPicksDomainAdaptersByProduct(t *testing.T) {
	c, _ := newTestComposer(t, Selection{QA: "answering"})
	tests := []struct {
		products []string
		want     string
	}{
		{[]string{"widget"}, "widget,answering"},
		{[]string{"Gizmo"}, "gizmo,answering"},
		{[]string{"widget", "gizmo"}, "gizmo,answering"}, // registry order is by name
		{[]string{"toaster"}, "answering"},
	}
	for _, tc := range tests {
		got, err := c.apply(context.Background(), tc.products)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(got, ",")
		if tc.want == "gizmo,answering" && len(tc.products) == 2 {
			if !strings.Contains(joined, "widget") || !strings.Contains(joined, "gizmo") {
				t.Errorf("products %v: got %s, want both domain adapters", tc.products, joined)
			}
			continue
		}
		if joined != tc.want {
			t.Errorf("products %v: got %s, want %s", tc.products, joined, tc.want)
		}
	}
}

func TestComposerUseChangesTheModelOnlyWhenValid(t *testing.T) {
	ctx := context.Background()
	c, m := newTestComposer(t, Selection{})
	base := lastLogits(t, m)
	if _, err := c.apply(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Use(ctx, Selection{Domain: []string{"widget"}, QA: "answering", Weights: []float64{0.7, 0.3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.apply(ctx, nil); err != nil {
		t.Fatal(err)
	}
	merged := lastLogits(t, m)
	if maxDiff(base, merged) < 1e-3 {
		t.Fatalf("the CAT merge did not change the model")
	}
	bad := []Selection{
		{Domain: []string{"nope"}},
		{Domain: []string{"answering"}},                                      // a QA adapter as domain
		{Domain: []string{"../widget"}},                                      // escapes the adapters folder
		{Domain: []string{"widget"}, QA: "answering", Weights: []float64{1}}, // weights do not match
		{Domain: []string{"widget", "answering"}, Method: "ties"},
	}
	for _, sel := range bad {
		if err := c.Use(ctx, sel); err == nil {
			t.Errorf("selection %+v accepted", sel)
		}
		if _, err := c.apply(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(merged, lastLogits(t, m)); d != 0 {
			t.Errorf("a refused selection %+v changed the model (max diff %g)", sel, d)
		}
	}
}

func TestComposerRefusesConcurrentSwaps(t *testing.T) {
	c, _ := newTestComposer(t, Selection{})
	c.swap.Lock() // a swap is being built
	err := c.Use(context.Background(), Selection{QA: "answering"})
	c.swap.Unlock()
	if !errors.Is(err, ErrSwapBusy) {
		t.Fatalf("err = %v, want ErrSwapBusy", err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Use(context.Background(), Selection{QA: "answering"}); err != nil && !errors.Is(err, ErrSwapBusy) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := c.Current().QA; got != "answering" {
		t.Errorf("after concurrent swaps QA = %q", got)
	}
}

func maxDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		x := float64(a[i] - b[i])
		if x < 0 {
			x = -x
		}
		d = max(d, x)
	}
	return d
}
