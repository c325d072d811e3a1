package index

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// corpus generates realistic-looking manual chunks: words from a fixed vocabulary with
// Zipf frequencies (as in real text, a few words are everywhere and most are rare),
// grouped into sentences, sections and documents. Seeded, so runs compare.
type corpus struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

func newCorpus(seed uint64, vocabSize int) *corpus {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	syll := []string{"ka", "lo", "mi", "net", "con", "fig", "ser", "vo", "ra", "tel", "in", "stal",
		"port", "pa", "ne", "dis", "ro", "ute", "ba", "ck", "up", "de", "vi", "ce", "log", "ex", "tra", "mo", "du", "le"}
	seen := map[string]bool{}
	vocab := make([]string, 0, vocabSize)
	for len(vocab) < vocabSize {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	return &corpus{rng: rng, zipf: rand.NewZipf(rng, 1.1, 2, uint64(vocabSize-1)), vocab: vocab}
}

func (c *corpus) word() string { return c.vocab[c.zipf.Uint64()] }

// midWord is a word of middling frequency, what people search for.
func (c *corpus) midWord() string { return c.vocab[50+c.rng.IntN(1000)] }

func (c *corpus) sentence() string {
	n := 6 + c.rng.IntN(14)
	w := make([]string, n)
	for i := range w {
		w[i] = c.word()
	}
	w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
	return strings.Join(w, " ") + "."
}

// chunks returns n chunks of about 1,000 characters (the default chunk size) in
// documents of 40 chunks.
func (c *corpus) chunks(n int) []Chunk {
	out := make([]Chunk, n)
	for i := range out {
		doc := i / 40
		var text strings.Builder
		for text.Len() < 900 {
			text.WriteString(c.sentence())
			text.WriteByte(' ')
		}
		out[i] = Chunk{
			ID:      fmt.Sprintf("doc%05d#%03d", doc, i%40),
			DocID:   fmt.Sprintf("doc%05d", doc),
			Title:   c.midWord() + " " + c.midWord() + " manual",
			Section: []string{c.midWord(), c.midWord()},
			Page:    1 + i%40/3,
			Product: fmt.Sprintf("product-%d", doc%4),
			Version: fmt.Sprintf("%d.0", doc%3),
			Source:  fmt.Sprintf("/manuals/doc%05d.pdf", doc),
			Ordinal: i % 40,
			Text:    text.String(),
		}
	}
	return out
}

// query is a 2-4 word question-like query.
func (c *corpus) query() string {
	n := 2 + c.rng.IntN(3)
	w := make([]string, n)
	for i := range w {
		w[i] = c.midWord()
	}
	return strings.Join(w, " ")
}
