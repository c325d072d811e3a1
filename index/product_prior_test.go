package index

import "testing"

// TestNamedManuals: a word names a manual when at least nameShare of its passages hold
// it and at most nameElsewhere of each other manual's.
func TestNamedManuals(t *testing.T) {
	ms := manualStats{
		products: []string{"db", "plot", "shell"},
		sizes:    []float64{100, 50, 20},
		counts: map[string][]int{
			"plot":   {0, 50, 0},   // the product name: every passage
			"apach":  {0, 43, 0},   // 86% of one manual, none elsewhere
			"shell":  {2, 0, 15},   // 75% of one manual: typical, not a name
			"file":   {90, 45, 18}, // everywhere
			"tabl":   {85, 44, 1},  // in most of two manuals: names neither
			"vacuum": {3, 0, 0},    // only one manual, but few of its passages
			"node":   {5, 45, 1},   // 90% of one, 5% of each other: still names it
		},
	}
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"plot", "file"}, []string{"plot"}},
		{[]string{"apach"}, []string{"plot"}},
		{[]string{"shell", "file", "vacuum"}, nil},
		{[]string{"tabl"}, nil},
		{[]string{"node", "vacuum"}, []string{"plot"}},
		{[]string{"plot", "unknown"}, []string{"plot"}},
		{nil, nil},
	} {
		var exact []queryTerm
		for _, w := range tc.words {
			exact = append(exact, queryTerm{text: w})
		}
		got := namedManuals(ms, exact)
		if len(got) != len(tc.want) {
			t.Errorf("%v: named %v, want %v", tc.words, got, tc.want)
			continue
		}
		for _, p := range tc.want {
			if !got[p] {
				t.Errorf("%v: named %v, want %v", tc.words, got, tc.want)
			}
		}
	}
}

// TestSearchPrefersNamedManual: a question that names a manual ranks that manual's
// passage above another manual's that matches more of its other words.
func TestSearchPrefersNamedManual(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "a", DocID: "a", Product: "db", Title: "psql", Text: "run a script from the command line with psql -f, the command line client runs the script"},
		Chunk{ID: "b", DocID: "b", Product: "db", Title: "Tables", Text: "create a table"},
		Chunk{ID: "c", DocID: "c", Product: "plotter", Title: "Load", Text: "load reads a script of commands"},
		Chunk{ID: "d", DocID: "d", Product: "plotter", Title: "Plot", Text: "plot a function"},
	)
	hits := mustSearch(t, s, Query{Text: "run a plotter script from the command line", K: 5})
	if len(hits) == 0 || hits[0].ID != "c" {
		t.Fatalf("hits %v, want c (the named manual's script passage) first", ids(hits))
	}
	// Without the name, the other manual's closer passage stays first.
	hits = mustSearch(t, s, Query{Text: "run a script from the command line", K: 5})
	if len(hits) == 0 || hits[0].ID != "a" {
		t.Fatalf("hits %v, want a first", ids(hits))
	}
}
