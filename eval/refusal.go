package eval

import "strings"

// refusalPhrases are how an answer declines: the pipeline's "I could not find anything
// about that in the manuals" and the system prompt's "the manuals do not cover it".
var refusalPhrases = []string{
	"could not find", "couldn't find", "can't find", "cannot find",
	"do not cover", "does not cover", "don't cover", "doesn't cover", "not covered",
	"no information", "cannot answer", "can't answer", "not in the manuals", "do not say", "does not say",
}

// IsRefusal reports whether an answer declines to answer (the right answer to a question
// the manuals do not cover).
func IsRefusal(text string) bool {
	t := strings.Join(strings.Fields(strings.ToLower(text)), " ")
	for _, p := range refusalPhrases {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}
