package index

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	bregexp "github.com/blevesearch/bleve/v2/analysis/tokenizer/regexp"
)

// The hand-written tokenizer must give exactly what the regexp tokenizer it replaced
// gives: same terms, offsets, positions and types, on text, edge cases and random bytes.
func TestWordsTokenizerMatchesRegexp(t *testing.T) {
	ref := bregexp.NewRegexpTokenizer(regexp.MustCompile(`[\p{L}\p{N}]+(?:'[sS])?`))
	cases := []string{
		"", " ", "a", "'s", "it's", "IT'S", "cat'sx", "cat's's", "don't", "x'", "x'S", "ab'",
		"shared_buffers fs.readFile work_mem pH 3.14 1e5 0x1p5 inf Infinity NaN nano inform",
		"naïve café Ünïcödé ½ ² ٣٤ 東京タワー 한국어 ひらがな", "\xff\xfeabc\xc3", "a\u00adb", "ªµº",
		"x\u0301y", "Ⅻ roman", "tab\tnew\nline", "--flag=value", "über's", "α'β",
	}
	c := newCorpus(7, 3000)
	for _, ch := range c.chunks(50) {
		cases = append(cases, ch.Text, headingText(ch.Product, ch.Title, strings.Join(ch.Section, SectionSep)))
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", "9", "'", "s", "S", " ", ".", "é", "東", "\xff", "٣", "_", "\u0301", "i", "n", "f", "x", "e", "p"}
	for range 3000 {
		var b strings.Builder
		for range r.IntN(20) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		want := ref.Tokenize([]byte(s))
		got := wordsTokenizer{}.Tokenize([]byte(s))
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %v\nwant %v", s, got, want)
		}
	}
}

func BenchmarkTokenizers(b *testing.B) {
	text := []byte(strings.Repeat(newCorpus(7, 3000).chunks(1)[0].Text+" ", 4))
	ref := bregexp.NewRegexpTokenizer(regexp.MustCompile(`[\p{L}\p{N}]+(?:'[sS])?`))
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			ref.Tokenize(text)
		}
	})
	b.Run("hand", func(b *testing.B) {
		for b.Loop() {
			wordsTokenizer{}.Tokenize(text)
		}
	})
}

// The counter that skips building a token stream counts the words the analyzer makes:
// its terms less the options and operators (syntax_tokens.go), which are extra terms.
func TestWordCounterMatchesAnalyzer(t *testing.T) {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	a := m.AnalyzerNamed(textAnalyzer)
	da := a.(*analysis.DefaultAnalyzer)
	if _, ok := da.Tokenizer.(syntaxTokenizer); !ok || !perToken(da.TokenFilters[:len(da.TokenFilters)-1]) {
		t.Fatalf("the fast counter is not used for %s", textAnalyzer)
	}
	count := termCounter(a)
	c := newCorpus(8, 3000)
	texts := []string{"", "The cat's hat", "IT'S THE ONE'S", "a an the of", "Straße ÉTÉ İstanbul \u212Aelvin 東京", "x'S y's",
		"set -e; [[ -f $x ]] && echo $? || !! 2>&1 --port-number=5"}
	for _, ch := range c.chunks(200) {
		texts = append(texts, ch.Text+"\n"+headingText(ch.Product, ch.Title, strings.Join(ch.Section, SectionSep)))
	}
	for _, s := range texts {
		words := 0
		for _, tok := range a.Analyze([]byte(s)) {
			if s, e := nextSyntax(tok.Term, 0); s != 0 || e != len(tok.Term) {
				words++
			}
		}
		if got := count(s); got != words {
			t.Fatalf("%q: counted %d, analyzer makes %d words", s, got, words)
		}
	}
}
