package ingest

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// prose makes n distinct sentences ("Word0 alpha beta... .") so every word is traceable.
func prose(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s%d lorem ipsum dolor sit amet consectetur. ", prefix, i)
	}
	return strings.TrimSpace(b.String())
}

func TestChunkDocument(t *testing.T) {
	longWord := strings.Repeat("x", 250)
	tests := []struct {
		name      string
		doc       Document
		opt       ChunkOptions
		wantN     int // 0: don't check
		wantPages []int
	}{
		{
			name: "small section is one chunk",
			doc:  Document{Sections: []Section{{Path: []string{"A"}, Blocks: []Block{{Text: "Short text."}}}}},
			opt:  ChunkOptions{Size: 100, Overlap: 20}, wantN: 1,
		},
		{
			name: "sections never share a chunk",
			doc: Document{Sections: []Section{
				{Path: []string{"A"}, Blocks: []Block{{Text: "Alpha one."}}},
				{Path: []string{"A", "B"}, Blocks: []Block{{Text: "Beta two."}}},
			}},
			opt: ChunkOptions{Size: 1000, Overlap: 100}, wantN: 2,
		},
		{
			name: "long prose splits at sentences with overlap",
			doc:  Document{Sections: []Section{{Path: []string{"P"}, Blocks: []Block{{Text: prose("S", 40)}}}}},
			opt:  ChunkOptions{Size: 200, Overlap: 50},
		},
		{
			name: "one huge sentence splits at words",
			doc:  Document{Sections: []Section{{Blocks: []Block{{Text: strings.TrimSpace(strings.Repeat("word ", 300))}}}}},
			opt:  ChunkOptions{Size: 120, Overlap: 0},
		},
		{
			name: "a word longer than the size is cut",
			doc:  Document{Sections: []Section{{Blocks: []Block{{Text: "start " + longWord + " end"}}}}},
			opt:  ChunkOptions{Size: 100, Overlap: 0},
		},
		{
			name: "tiny trailing piece is merged",
			doc:  Document{Sections: []Section{{Blocks: []Block{{Text: prose("T", 3)}, {Text: "Tail."}}}}},
			opt:  ChunkOptions{Size: 130, Overlap: 0}, wantN: 1,
		},
		{
			name: "page is where the chunk starts",
			doc: Document{Sections: []Section{{Path: []string{"S"}, Blocks: []Block{
				{Text: prose("P1x", 4), Page: 1}, {Text: prose("P2x", 4), Page: 2}, {Text: prose("P3x", 4), Page: 3},
			}}}},
			opt: ChunkOptions{Size: 200, Overlap: 0}, wantN: 3, wantPages: []int{1, 2, 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := chunkDocument(&tt.doc, tt.opt)
			if tt.wantN > 0 && len(chunks) != tt.wantN {
				t.Fatalf("%d chunks, want %d: %+v", len(chunks), tt.wantN, chunks)
			}
			if tt.wantPages != nil {
				for i, c := range chunks {
					if c.Page != tt.wantPages[i] {
						t.Errorf("chunk %d page %d, want %d", i, c.Page, tt.wantPages[i])
					}
				}
			}
			checkChunks(t, &tt.doc, chunks, tt.opt)
		})
	}
}

// checkChunks asserts the chunker's invariants: size bound, no chunk mixing sections, no
// word cut (unless longer than the size), every word of the section kept, and overlap.
func checkChunks(t *testing.T, doc *Document, chunks []textChunk, opt ChunkOptions) {
	t.Helper()
	words := map[string]map[string]bool{} // section -> words
	for _, s := range doc.Sections {
		key := strings.Join(s.Path, ">")
		if words[key] == nil {
			words[key] = map[string]bool{}
		}
		for _, b := range s.Blocks {
			for _, w := range strings.Fields(b.Text) {
				words[key][w] = true
			}
		}
	}
	seen := map[string]bool{}
	for i, c := range chunks {
		key := strings.Join(c.Section, ">")
		if n := utf8.RuneCountInString(c.Text); n > opt.Size+opt.Size/5 {
			t.Errorf("chunk %d has %d runes, over %d", i, n, opt.Size)
		}
		for _, w := range strings.Fields(c.Text) {
			seen[key+"\x00"+w] = true
			if !words[key][w] && !partOfLongWord(words[key], w, opt.Size) {
				t.Errorf("chunk %d has %q, not a whole word of section %q", i, w, key)
			}
		}
		if i > 0 && opt.Overlap > 0 && strings.Join(chunks[i-1].Section, ">") == key {
			first := strings.Fields(c.Text)[0]
			if !strings.Contains(chunks[i-1].Text, first) {
				t.Errorf("chunk %d does not start with words of chunk %d (overlap)", i, i-1)
			}
		}
	}
	for key, ws := range words {
		for w := range ws {
			if utf8.RuneCountInString(w) < opt.Size && !seen[key+"\x00"+w] {
				t.Errorf("word %q of section %q is in no chunk", w, key)
			}
		}
	}
}

func TestSplitToFitKeepsText(t *testing.T) {
	tests := []string{
		prose("A", 30),
		"e.g. this is not a sentence end. Neither is 3.14 here. But this is! Yes? Sure.",
		"line one\nline two\n" + strings.Repeat("w ", 200),
		"émigré café naïve " + strings.Repeat("ü", 150),
	}
	for _, text := range tests {
		pieces := splitToFit(text, 40)
		if strings.Join(pieces, "") != text {
			t.Errorf("pieces do not join back to the text: %q", pieces)
		}
		for _, p := range pieces {
			if utf8.RuneCountInString(p) > 40 || !utf8.ValidString(p) {
				t.Errorf("bad piece %q", p)
			}
		}
	}
}

func TestIDsStable(t *testing.T) {
	a, b := docID("p", "manuals/x.md"), docID("p", "manuals/x.md")
	if a != b || docID("q", "manuals/x.md") == a || !strings.HasSuffix(a, ":manuals/x.md") {
		t.Fatalf("doc ids %q %q", a, b)
	}
	if chunkID(a, 1, "text") != chunkID(a, 1, "text") || chunkID(a, 1, "text") == chunkID(a, 1, "text2") {
		t.Fatal("chunk ids not stable/distinct")
	}
}

// partOfLongWord reports whether w is a piece of a word longer than size (those are cut).
func partOfLongWord(words map[string]bool, w string, size int) bool {
	for long := range words {
		if utf8.RuneCountInString(long) > size && strings.Contains(long, w) {
			return true
		}
	}
	return false
}
