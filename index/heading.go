package index

import (
	"context"
	"slices"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
)

// headingText is the heading part of a chunk's scored text: its product, title and
// section path, then the words inside the heading's camelCase names, so that
// "fs.readFile" is also found by "read a file". The product is there because people
// name it ("in bash", "gnuplot's key"): a question that does is about that product's
// manuals, and the product's low idf keeps it from counting for much more than that.
func headingText(product, title, section string) string {
	h := product + "\n" + title + "\n" + section
	var parts []string
	for _, w := range strings.FieldsFunc(h, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if sub := camelParts(w); len(sub) > 1 {
			parts = append(parts, sub...)
		}
	}
	if len(parts) == 0 {
		return h
	}
	return h + "\n" + strings.Join(parts, " ")
}

// camelParts cuts a word where a lower-case letter or digit meets an upper-case one
// ("createServer" is "create", "Server"); parts of one letter are left out.
func camelParts(w string) []string {
	var out []string
	start := 0
	prevLower := false
	rs := []rune(w)
	for i, r := range rs {
		if unicode.IsUpper(r) && prevLower {
			out = append(out, string(rs[start:i]))
			start = i
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	out = append(out, string(rs[start:]))
	keep := out[:0]
	for _, p := range out {
		if len([]rune(p)) > 1 {
			keep = append(keep, p)
		}
	}
	return keep
}

// leafHeading is where, in a chunk's scored text (see toDoc), its own section heading
// lies: the last heading of its path, or its title when it has no section.
func leafHeading(bodyLen int, product, title, section string) (start, end int) {
	start = bodyLen + 1 + len(product) + 1 // the title
	if section == "" {
		return start, start + len(title)
	}
	start += len(title) + 1
	end = start + len(section)
	if i := strings.LastIndex(section, SectionSep); i >= 0 {
		start += i + len(SectionSep)
	}
	return start, end
}

// ownHeadingWords analyses a chunk's own heading (the last of its section path, or its
// title when it has none) as the index does, leaving out numbers. A heading that is a
// call signature names its function (calledName).
func ownHeadingWords(an analysis.Analyzer, title, section string) []string {
	own := title
	if section != "" {
		own = section
		if k := strings.LastIndex(section, SectionSep); k >= 0 {
			own = section[k+len(SectionSep):]
		}
	}
	if an == nil {
		return nil
	}
	if name, ok := calledName(own); ok {
		own = name
	}
	var out []string
	for _, tok := range an.Analyze([]byte(own)) {
		if w := string(tok.Term); strings.TrimFunc(w, unicode.IsDigit) != "" && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// calledName returns the words of the function a call-signature heading names, as API
// references title their entries ("emitter.once(eventName, listener)",
// "fs.readFile(path[, options], callback)"): the parameters and the object before the
// last dot are not what the entry is about, "once" and "read file" are. A camelCase name
// gives its parts. ok is false for a heading that is not a signature.
func calledName(heading string) (name string, ok bool) {
	i := strings.IndexByte(heading, '(')
	if i <= 0 {
		return "", false
	}
	name = heading[:i]
	if j := strings.LastIndexByte(name, '.'); j >= 0 {
		name = name[j+1:]
	}
	if name == "" || strings.ContainsFunc(name, unicode.IsSpace) {
		return "", false // prose with a parenthesis, "new Foo(...)", "func (c *Client) Do(...)"
	}
	if parts := camelParts(name); len(parts) > 1 {
		return strings.Join(parts, " "), true
	}
	return name, true
}

// leafFacts are what rescoring needs of a chunk's stored heading fields.
type leafFacts struct {
	product    string
	start, end int // the chunk's own heading in the scored text (leafHeading)
	// own are the analysed words of its own heading, numbers aside (candidate.ownHeading).
	own []string
}

// leafSpans returns each candidate's product, own-heading span in the scored text and
// own heading's words.
// They need the chunk's product, title and section, which only its stored document holds
// (they have no doc values); a published generation never changes, so each chunk's facts
// are read once and kept in g.leaves, and later searches decompress nothing for it.
func leafSpans(ctx context.Context, g *generation, l *storedLoader, refs []docRef, facts []candidateFacts) ([]leafFacts, error) {
	an := g.idx.Mapping().AnalyzerNamed(textAnalyzer)
	return fieldsOr(ctx, g, l, refs, []string{fProduct, fTitle, fSection},
		func(r docRef) (leafFacts, bool) {
			v, ok := g.leaves.Load(r.id)
			if !ok {
				return leafFacts{}, false
			}
			return v.(leafFacts), true
		},
		func(i int, r docRef, f map[string]any) leafFacts {
			product, _ := f[fProduct].(string)
			title, _ := f[fTitle].(string)
			section, _ := f[fSection].(string)
			start, end := leafHeading(facts[i].bodyLen, product, title, section)
			v := leafFacts{product: product, start: start, end: end}
			v.own = ownHeadingWords(an, title, section)
			g.leaves.Store(r.id, v)
			return v
		})
}
