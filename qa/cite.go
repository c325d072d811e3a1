package qa

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// markerRE matches citation markers as models write them: [1], [2, 3], [1][2].
var markerRE = regexp.MustCompile(`\[(\d+(?:\s*,\s*\d+)*)\]`)

// resolveCitations maps the answer's [n] markers to the passages they cite. Markers
// naming no passage are removed from the text, so an answer never shows a citation the
// pipeline cannot back with a passage.
func resolveCitations(text string, passages []Passage) (string, []Citation) {
	cited := map[int]bool{}
	out := markerRE.ReplaceAllStringFunc(text, func(m string) string {
		var keep []string
		for _, f := range strings.Split(m[1:len(m)-1], ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || n > len(passages) {
				continue
			}
			cited[n] = true
			keep = append(keep, strconv.Itoa(n))
		}
		if len(keep) == 0 {
			return ""
		}
		return "[" + strings.Join(keep, ", ") + "]"
	})
	ns := make([]int, 0, len(cited))
	for n := range cited {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	cites := make([]Citation, 0, len(ns))
	for _, n := range ns {
		cites = append(cites, passages[n-1].citation(n))
	}
	return strings.TrimSpace(collapseSpaces(out)), cites
}

// collapseSpaces tidies the gaps left where invalid markers were removed.
func collapseSpaces(s string) string {
	s = strings.ReplaceAll(s, " .", ".")
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}
