package index

import (
	"fmt"
	"maps"
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/mapping"
)

// textAnalyzer analyses the scored text at index time and questions at query time, so
// both sides always agree. It is Bleve's English analyzer with one change: words are
// runs of letters and digits, because manuals name things "shared_buffers" and
// "generate_series" while people ask about "shared buffers" and "generate a series"
// (Bleve's unicode tokenizer keeps "fs.readFile" and "work_mem" whole), plus
// command-line options and operator runs as extra terms ("-e", "[[", "$?": see
// syntax_tokens.go). Then: possessives, lower case, English stop words (less a few that
// manuals name things by: searchedStopWords), Porter stemming. CamelCase names stay
// whole here ("pH" is not "p H"); headings add their parts (see headingText). An index
// keeps the analyzer it was built with (the mapping, stop list included, is stored with
// it), so one built before still searches as built; removing the index folder and
// ingesting again brings it up to date.
const textAnalyzer = "manualbot_text"

const wordTokenizer = "manualbot_words"

const (
	stopWordsMap = "manualbot_stop_words"
	stopFilter   = "manualbot_stop"
)

// searchedStopWords are words of Bleve's English (Snowball) stop list that manuals name
// things by: "listen for an event only once" is emitter.once, "show 3 lines before and
// after each match" is grep's --before-context and --after-context, and SQL has BEFORE
// and AFTER triggers. Without them those questions lost their one telling word. Measured
// side by side on the three question sets: recall@5 82.7% -> 83.2% (questions.jsonl),
// 47.6% -> 50.0% (gnu.jsonl), httpd.jsonl unchanged. Giving back more of the list
// (between, until, while, up, down, off, over, under, out, only ...) was worse: "clean
// up", "print only" and "kicking off" matched everything with those words.
var searchedStopWords = []string{"before", "after", "once"}

// stopWords is the stop list: Bleve's English list less searchedStopWords, sorted so the
// mapping stored with an index is the same on every build.
func stopWords() ([]any, error) {
	tm := analysis.NewTokenMap()
	if err := tm.LoadBytes(en.EnglishStopWords); err != nil {
		return nil, fmt.Errorf("index mapping: stop words: %w", err)
	}
	for _, w := range searchedStopWords {
		delete(tm, w)
	}
	words := slices.Sorted(maps.Keys(tm))
	out := make([]any, len(words))
	for i, w := range words {
		out[i] = w
	}
	return out, nil
}

// addTextAnalyzer defines textAnalyzer in the mapping (stored with the index, so a
// reader analyses as the writer did).
func addTextAnalyzer(m *mapping.IndexMappingImpl) error {
	if err := m.AddCustomTokenizer(wordTokenizer, map[string]any{
		"type": syntaxTokenizerType, // words (tokenizer.go) and options and operators (syntax_tokens.go)
	}); err != nil {
		return fmt.Errorf("index mapping: tokenizer: %w", err)
	}
	stops, err := stopWords()
	if err != nil {
		return err
	}
	if err := m.AddCustomTokenMap(stopWordsMap, map[string]any{"type": tokenmap.Name, "tokens": stops}); err != nil {
		return fmt.Errorf("index mapping: stop words: %w", err)
	}
	if err := m.AddCustomTokenFilter(stopFilter, map[string]any{"type": stop.Name, "stop_token_map": stopWordsMap}); err != nil {
		return fmt.Errorf("index mapping: stop filter: %w", err)
	}
	if err := m.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": wordTokenizer,
		"token_filters": []any{
			en.PossessiveName, lowercase.Name, stopFilter, porter.Name,
		},
	}); err != nil {
		return fmt.Errorf("index mapping: analyzer: %w", err)
	}
	return nil
}
