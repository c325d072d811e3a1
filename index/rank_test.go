package index

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestRankIsLuceneBM25 checks a passage's score against Lucene's BM25 computed by hand:
// idf = ln(1 + (N - df + 0.5)/(df + 0.5)), tf·(k1+1)/(tf + k1·(1 - b + b·dl/avgdl)),
// k1 1.2, b 0.75, over term counts after stop words ("the" is one).
func TestRankIsLuceneBM25(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "a", DocID: "a", Text: "alpha beta gamma"},      // 3 terms
		Chunk{ID: "b", DocID: "b", Text: "alpha alpha the delta"}, // 3 terms ("the" is a stop word)
		Chunk{ID: "c", DocID: "c", Text: "epsilon zeta"},          // 2 terms
		Chunk{ID: "d", DocID: "d", Text: "eta theta iota kappa"},  // 4 terms
	)
	hits := mustSearch(t, s, Query{Text: "alpha", K: 5})
	if len(hits) != 2 || hits[0].ID != "b" || hits[1].ID != "a" {
		t.Fatalf("hits %v, want [b a]", ids(hits))
	}
	n, df, avgdl := 4.0, 2.0, (3.0+3+2+4)/4
	idf := math.Log(1 + (n-df+0.5)/(df+0.5))
	bm25 := func(tf, dl float64) float64 {
		return idf * tf * (1.2 + 1) / (tf + 1.2*(1-0.75+0.75*dl/avgdl))
	}
	for i, want := range []float64{bm25(2, 3), bm25(1, 3)} {
		if got := hits[i].Score; math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: score %.12f, want Lucene's %.12f", hits[i].ID, got, want)
		}
		if hits[i].Relevance != 1 {
			t.Errorf("%s: relevance %v, want 1 (the one query word is in it)", hits[i].ID, hits[i].Relevance)
		}
	}
}

// TestHeadingCountsMore: a section heading naming the question's word outranks a body
// that mentions it as often, and boilerplate does not: every chunk of the product holds
// the product's name, so its idf is low.
func TestHeadingCountsMore(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "body", DocID: "x", Product: "acme", Title: "Acme Guide", Section: []string{"Networking"}, Text: "You may change the port later."},
		Chunk{ID: "head", DocID: "y", Product: "acme", Title: "Acme Guide", Section: []string{"Port"}, Text: "Set it in the server file, then restart."},
		Chunk{ID: "other", DocID: "z", Product: "acme", Title: "Acme Guide", Section: []string{"Colours"}, Text: "Pick a theme."},
	)
	if got := ids(mustSearch(t, s, Query{Text: "port", K: 3})); len(got) != 2 || got[0] != "head" {
		t.Errorf("ranking %v, want the Port section first", got)
	}
}

// TestFiveCitationsAreFivePlaces: at most two passages of one document, unless the
// query is about that document; a passage said twice (the same manual as PDF and HTML)
// is listed once. Asked for more than the other documents can give, the list is
// filled from the capped document.
func TestFiveCitationsAreFivePlaces(t *testing.T) {
	s := openTest(t, t.TempDir())
	var chunks []Chunk
	for i := range 6 {
		chunks = append(chunks, Chunk{ID: "big#" + string(rune('a'+i)), DocID: "big", Ordinal: i, Section: []string{"Part " + string(rune('a'+i))},
			Text: strings.Repeat("vacuum ", 3) + "part " + string(rune('a'+i))})
	}
	long := "Routine vacuuming reclaims storage occupied by dead tuples and updates planner statistics for every table in the database."
	chunks = append(chunks,
		Chunk{ID: "pdf#0", DocID: "manual.pdf", Text: long},
		Chunk{ID: "html#0", DocID: "manual.html", Text: long + " "},
		Chunk{ID: "small#0", DocID: "small", Text: "Run vacuum nightly."},
	)
	put(t, s, chunks...)
	hits := mustSearch(t, s, Query{Text: "vacuum", K: 4})
	perDocN := map[string]int{}
	for _, h := range hits {
		perDocN[h.DocID]++
	}
	if perDocN["big"] != 2 || perDocN["manual.pdf"]+perDocN["manual.html"] != 1 || perDocN["small"] != 1 {
		t.Errorf("documents of the top 5: %v (hits %v), want 2 of big, one of the PDF/HTML pair, small", perDocN, ids(hits))
	}
	// With no other document left to cite, the cap gives way rather than return fewer.
	if n := len(mustSearch(t, s, Query{Text: "vacuum", K: 7})); n != 7 {
		t.Errorf("k 7: %d hits, want 7", n)
	}
	if n := len(mustSearch(t, s, Query{Text: "vacuum", K: 5, DocID: "big"})); n != 5 {
		t.Errorf("filtered to one document: %d hits, want 5", n)
	}
}

// TestBadQuestions: whatever is pasted, a question gets results or a clear refusal.
func TestBadQuestions(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s, manual()...)
	logLine := "2026-12-01T10:00:00Z ERROR router: connection refused on port 8080 (errno=111) retrying\n"
	tests := []struct {
		name     string
		text     string
		fuzzy    int
		wantErr  error
		relevant bool // whether index.Relevant keeps a hit: the question is covered
	}{
		{"empty", "   ", 0, ErrEmptyQuery, false},
		{"only stop words", "how do I do it, what is this and is there a way?", 1, nil, false},
		{"pasted log", strings.Repeat(logLine, 10000/len(logLine)+1), 1, nil, false},
		{"CJK", "如何在Linux上安装路由器软件？", 1, nil, false},
		{"typo", "pasword", 1, nil, true},
		{"covered", "how do I install it on linux", 1, nil, true},
		{"not in the manuals", "what is a good recipe for banana bread", 1, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := s.Search(context.Background(), Query{Text: tc.text, K: 5, Fuzziness: tc.fuzzy})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if got := len(Relevant(hits, DefaultMinRelevance)) > 0; got != tc.relevant {
				t.Errorf("covered = %v, want %v (hits %v)", got, tc.relevant, ids(hits))
			}
		})
	}
}

func TestQueryTermsDropScaffolding(t *testing.T) {
	s := openTest(t, t.TempDir())
	g, err := s.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer s.release(g)
	a := g.idx.Mapping().AnalyzerNamed(textAnalyzer)
	for _, c := range []struct{ question, want string }{
		{"How can I change shared_buffers, is there a way? fs.readFile please", "chang share buffer fs readfil"},
		// Contractions come apart into pieces that are no topic ("Don't ignore errors!").
		{"why don't aliases work, it isn't obvious and doesn't say", "alias work obviou sai"},
		// Stop words manuals name things by stay (searchedStopWords); the rest go.
		{"listen for an event only once", "listen event onc"},
		{"show 3 lines before and after each match, not all of them", "show 3 line befor after match"},
	} {
		var got []string
		for _, qt := range queryTerms(c.question, a) {
			got = append(got, qt.text)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("terms of %q: %q, want %q", c.question, got, c.want)
		}
	}
}

// TestAdjacentChunksMerge: two chunks next to each other in one section are one passage,
// in reading order; a third chunk of that section further on is the same place again.
func TestAdjacentChunksMerge(t *testing.T) {
	s := openTest(t, t.TempDir())
	sec := []string{"Backups"}
	put(t, s,
		Chunk{ID: "d#1", DocID: "d", Ordinal: 1, Section: sec, Text: "Backups with pg_dump: run pg_dump nightly."},
		Chunk{ID: "d#2", DocID: "d", Ordinal: 2, Section: sec, Text: "Keep pg_dump output off the server."},
		Chunk{ID: "d#5", DocID: "d", Ordinal: 5, Section: sec, Text: "pg_dump can also dump one table."},
		Chunk{ID: "e#0", DocID: "e", Text: "A note on pg_dump."},
	)
	hits := mustSearch(t, s, Query{Text: "pg_dump", K: 5})
	if len(hits) != 2 || hits[0].DocID != "d" || hits[1].DocID != "e" {
		t.Fatalf("hits %v, want one passage of d, then e", ids(hits))
	}
	if want := "Backups with pg_dump: run pg_dump nightly.\n\nKeep pg_dump output off the server."; hits[0].Text != want {
		t.Errorf("merged text %q, want %q", hits[0].Text, want)
	}
}

// TestTwinSectionsAreOnePlace: one manual ingested as PDF and HTML cuts its sections into
// chunks at different places, so their words differ, yet a section is one citation; and
// when the cap sets the HTML copy aside, the PDF copy takes its place.
func TestTwinSectionsAreOnePlace(t *testing.T) {
	mk := func(id, doc, leaf, text string) Hit {
		return Hit{Chunk: Chunk{ID: id, DocID: doc, Product: "bash", Title: "Bash Reference Manual",
			Section: []string{"3 Basic Shell Features", leaf}, Text: text}}
	}
	ranked := []Hit{
		mk("h1", "html", "3.5.4 Command Substitution", "Command substitution allows the output of a command to replace the command itself."),
		mk("h2", "html", "3.5.5 Arithmetic Expansion", "Arithmetic expansion allows the evaluation of an arithmetic expression."),
		mk("h3", "html", "3.5.6 Process Substitution", "Process substitution allows a process's input or output to be referred to using a filename."),
		mk("p1", "pdf", "3.5.4 Command Substitution", "Bash performs the expansion by executing command in a subshell environment."),
		mk("p3", "pdf", "3.5.6 Process Substitution", "It takes the form of <(list) or >(list)."),
		{Chunk: Chunk{ID: "o1", DocID: "other", Product: "node", Title: "Child process", Section: []string{"spawn"}, Text: "Spawns a new process."}},
	}
	got := ids(diversify(ranked, 4, false))
	want := []string{"h1", "h2", "p3", "o1"}
	if !slices.Equal(got, want) {
		t.Errorf("diversify = %v, want %v (p1 is h1's twin; p3 stands in for the capped h3)", got, want)
	}
}

// TestOwnHeadingNamesTheQuestion: a passage whose own heading is all question words
// ("Title" for "set the title of the graph") outranks one that uses the words more often
// under a heading about something else, and a heading with a word the question lacks
// gets no bonus.
func TestOwnHeadingNamesTheQuestion(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "title", DocID: "plot", Section: []string{"Set-show", "Title"}, Ordinal: 1,
			Text: "The set title command produces a plot title that is centered at the top of the plot."},
		Chunk{ID: "strings", DocID: "expr", Section: []string{"Expressions", "String constants"},
			Text: "A string can set the title of a graph: a graph title from a string variable."},
		Chunk{ID: "other", DocID: "misc", Section: []string{"Misc", "Title options"},
			Text: "Options of a title: a title may be set off for a graph."},
		Chunk{ID: "f1", DocID: "f1", Text: "Samples set how many points a function is computed at."},
		Chunk{ID: "f2", DocID: "f2", Text: "The border is drawn around the plot."},
		Chunk{ID: "f3", DocID: "f3", Text: "Tics mark the axes."},
		Chunk{ID: "f4", DocID: "f4", Text: "A key explains the curves."},
	)
	hits := mustSearch(t, s, Query{Text: "set the title of the graph", K: 3})
	if len(hits) == 0 || hits[0].ID != "title" {
		t.Fatalf("hits %v: want the Title section first", ids(hits))
	}
}

func TestCalledName(t *testing.T) {
	for _, c := range []struct {
		heading, want string
		ok            bool
	}{
		{"emitter.once(eventName, listener)", "once", true},
		{"fs.readFile(path[, options], callback)", "read File", true},
		{"server.listen()", "listen", true},
		{"os.tmpdir()", "tmpdir", true},
		{"new ReadableStream([underlyingSource [, strategy]])", "", false},
		{"Class: net.Server", "", false},
		{"func (c *Client) Do(req)", "", false},
		{"Foreign Keys (constraints)", "", false},
		{"(deprecated) x", "", false},
	} {
		got, ok := calledName(c.heading)
		if got != c.want || ok != c.ok {
			t.Errorf("calledName(%q) = %q, %v; want %q, %v", c.heading, got, ok, c.want, c.ok)
		}
	}
}

// TestTwins: a section read from two files of one manual is one place, also where the
// formats title the manual differently (PDF "Bash Reference Manual", Info "bash"), as long
// as a numbered heading under the same parent says it is the same section; two pages'
// "Examples" or two manuals' "1 Introduction" are not twins.
func TestTwins(t *testing.T) {
	hit := func(doc, product, title string, section ...string) Hit {
		return Hit{Chunk: Chunk{DocID: doc, Product: product, Title: title, Section: section}}
	}
	loopPDF := hit("pdf", "bash", "Bash Reference Manual", "3.2.5 Compound Commands", "3.2.5.1 Looping Constructs")
	tests := []struct {
		name string
		a, b Hit
		want bool
	}{
		{"same title and heading", loopPDF, hit("html", "bash", "Bash Reference Manual", "Bash Features", "3.2.5.1 Looping Constructs"), true},
		{"numbered under the same parent", loopPDF, hit("info", "bash", "bash", "3 Basic Shell Features", "3.2.5 Compound Commands", "3.2.5.1 LOOPING CONSTRUCTS"), true},
		{"same document", loopPDF, hit("pdf", "bash", "Bash Reference Manual", "3.2.5 Compound Commands", "3.2.5.1 Looping Constructs"), false},
		{"other product", loopPDF, hit("info", "gnu", "bash", "3.2.5 Compound Commands", "3.2.5.1 Looping Constructs"), false},
		{"numbered under another parent", loopPDF, hit("info", "bash", "bash", "3.3 Other", "3.2.5.1 Looping Constructs"), false},
		{"unnumbered, other titles", hit("a", "pg", "CREATE TABLE", "Examples"), hit("b", "pg", "DROP TABLE", "Examples"), false},
		{"chapters of two manuals", hit("sed", "gnu", "sed", "1 Introduction"), hit("grep", "gnu", "grep", "1 Introduction"), false},
		{"no section", hit("a", "x", "T"), hit("b", "x", "T"), false},
	}
	for _, tt := range tests {
		if got := twins(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: twins = %v, want %v", tt.name, got, tt.want)
		}
	}
}
