package index

import (
	"fmt"

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
// syntax_tokens.go). Then: possessives, lower case, English stop words, Porter
// stemming. CamelCase names stay whole here ("pH" is not "p H"); headings add their
// parts (see headingText). An index keeps the analyzer it was built with (the mapping
// is stored with it), so one built before the syntax terms still searches as built;
// removing the index folder and ingesting again adds them.
const textAnalyzer = "manualbot_text"

const wordTokenizer = "manualbot_words"

// addTextAnalyzer defines textAnalyzer in the mapping (stored with the index, so a
// reader analyses as the writer did).
func addTextAnalyzer(m *mapping.IndexMappingImpl) error {
	if err := m.AddCustomTokenizer(wordTokenizer, map[string]any{
		"type": syntaxTokenizerType, // words (tokenizer.go) and options and operators (syntax_tokens.go)
	}); err != nil {
		return fmt.Errorf("index mapping: tokenizer: %w", err)
	}
	if err := m.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": wordTokenizer,
		"token_filters": []any{
			en.PossessiveName, lowercase.Name, en.StopName, porter.Name,
		},
	}); err != nil {
		return fmt.Errorf("index mapping: analyzer: %w", err)
	}
	return nil
}
