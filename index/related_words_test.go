package index

import (
	"slices"
	"testing"
)

// TestRelatedWordFindsThePassage: a question in everyday words finds the passage that
// uses the manual's word, the passage with the asker's own word still ranks first, and
// the related word counts toward "covered" so the question is not refused.
func TestRelatedWordFindsThePassage(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "arith", DocID: "a", Section: []string{"Arithmetic Expansion"}, Text: "Arithmetic expansion evaluates an integer expression and substitutes the result."},
		Chunk{ID: "quote", DocID: "b", Section: []string{"Quoting"}, Text: "Quoting removes the special meaning of characters."},
		Chunk{ID: "tilde", DocID: "c", Section: []string{"Tilde Expansion"}, Text: "A word beginning with a tilde names a home folder."},
		Chunk{ID: "dirs", DocID: "d", Section: []string{"Directory Stack"}, Text: "The directory stack is a list of recently visited directories."},
	)
	cases := []struct {
		question string
		want     []string // the leading hits, in order
	}{
		{"do integer math", []string{"arith"}},
		// "folder" is the asker's word in tilde's passage and the manual's "directory"
		// elsewhere: the typed word wins, the related one follows.
		{"home folder", []string{"tilde", "dirs"}},
	}
	for _, c := range cases {
		hits := Relevant(mustSearch(t, s, Query{Text: c.question, K: 5}), DefaultMinRelevance)
		got := ids(hits)
		if len(got) < len(c.want) || !slices.Equal(got[:len(c.want)], c.want) {
			t.Errorf("%q: hits %v, want %v first", c.question, got, c.want)
		}
	}
}

// TestRelatedTableIsSymmetricAndAnalysed: the table holds stems, both ways, never a word
// as its own relative, and a stop word drops out of its group.
func TestRelatedTableIsSymmetricAndAnalysed(t *testing.T) {
	s := openTest(t, t.TempDir())
	g, err := s.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer s.release(g)
	tab := buildRelated(g.idx.Mapping().AnalyzerNamed(textAnalyzer))
	for w, rel := range tab.stems {
		for _, r := range rel {
			if r == w {
				t.Errorf("%q is its own relative", w)
			}
			if !slices.Contains(tab.stems[r], w) {
				t.Errorf("%q finds %q but not the other way", w, r)
			}
		}
	}
	if !slices.Contains(tab.stems["math"], "arithmet") {
		t.Errorf("math's relatives %v: want the stem arithmet", tab.stems["math"])
	}
	if !slices.Contains(tab.stems["axi"], "ax") {
		t.Errorf("axis' relatives %v: want axes' stem ax", tab.stems["axi"])
	}
}

// TestJoinedForms: a phrase typed apart asks for its one-word form too, whatever the
// case or punctuation between its words; a pair that is no phrase adds nothing.
func TestJoinedForms(t *testing.T) {
	forms := joinedForms()
	cases := []struct{ in, want string }{
		{"how do I back up every database", "how do I back up every database\nbackup"},
		{"make a column Auto-Increment", "make a column Auto-Increment\nautoincrement"},
		{"log in, then log out, then log in", "log in, then log out, then log in\nlogin logout"},
		{"the back door is up", "the back door is up"},
	}
	for _, c := range cases {
		if got := withJoinedForms(c.in, forms); got != c.want {
			t.Errorf("withJoinedForms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestRunTogether: two neighbouring question words, as typed or by their groups' short
// forms, make the one-word names manuals use; the search finds such a name.
func TestRunTogether(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "tmpdir", DocID: "os", Section: []string{"os.tmpdir()"}, Text: "Returns the operating system's default folder for temporary files."},
		Chunk{ID: "mkdtemp", DocID: "fs", Section: []string{"fs.mkdtemp()"}, Text: "Creates a unique temporary folder."},
		Chunk{ID: "lines", DocID: "plot", Section: []string{"set style line"}, Text: "The linecolor of a line sets its colour."},
		Chunk{ID: "xrange", DocID: "plot", Section: []string{"set xrange"}, Text: "Sets the horizontal limits that will be displayed."},
		Chunk{ID: "axes", DocID: "plot", Section: []string{"set axis"}, Text: "Axis labels and tics of each axis, in general terms."},
	)
	g, err := s.acquire()
	if err != nil {
		t.Fatal(err)
	}
	an := g.idx.Mapping().AnalyzerNamed(textAnalyzer)
	tab := g.related.get(an)
	s.release(g)
	cases := []struct {
		question string
		want     string // a form runTogether must give for the first two terms
	}{
		{"temp directory", "tmpdir"},
		{"line color", "linecolor"},
		{"box plot", "boxplot"},
	}
	for _, c := range cases {
		terms := queryTerms(c.question, an)
		if len(terms) < 2 {
			t.Fatalf("%q: terms %v", c.question, terms)
		}
		if got := runTogether(terms[0], terms[1], tab, an); !slices.Contains(got, c.want) {
			t.Errorf("runTogether(%q) = %v, want %q among them", c.question, got, c.want)
		}
	}
	if got := ids(mustSearch(t, s, Query{Text: "where is the temp directory", K: 3})); len(got) == 0 || got[0] != "tmpdir" {
		t.Errorf("hits %v: want os.tmpdir first (its name is temp + directory)", got)
	}
	// "the range of the x axis" says x range the other way round: the reverse pair is
	// tried only across "of", so "range x" alone finds no xrange.
	if got := ids(mustSearch(t, s, Query{Text: "set the range of the x axis", K: 3})); len(got) == 0 || got[0] != "xrange" {
		t.Errorf("hits %v: want set xrange first (range of the x axis)", got)
	}
	for _, c := range []struct {
		question string
		reverse  bool // whether the second term is joined to the first by "of"
	}{
		{"range of the x axis", true}, {"width of a curve", true}, {"color of each line", true},
		{"range x", false}, {"certificates from lets encrypt", false}, {"range, of course, x", false},
		{"0..10", false},
	} {
		terms := queryTerms(c.question, an)
		if len(terms) < 2 {
			t.Fatalf("%q: terms %v", c.question, terms)
		}
		if terms[1].ofPrevious != c.reverse {
			t.Errorf("%q: second term ofPrevious = %v, want %v", c.question, terms[1].ofPrevious, c.reverse)
		}
	}
	if got := runTogether(queryTerm{text: "0", surface: "0"}, queryTerm{text: "10", surface: "10"}, tab, an); len(got) > 0 {
		t.Errorf("runTogether(0, 10) = %v: numbers run together are other numbers", got)
	}
}
