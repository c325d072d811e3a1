package ingest

import "strings"

// pageTitle removes page-template boilerplate from an HTML <title>: when the title falls
// into parts at a separator and the page's first h1 names one of them, that part is the
// page's title and the rest is the template every page of the manual repeats, which
// would otherwise match (and, weighted as a heading, rank) every page for the site's
// words. With no h1 to tell which part is the page's own, the title stays whole.
func pageTitle(title, h1 string) string {
	h := strings.ToLower(strings.TrimRight(strings.TrimSpace(h1), "#¶ "))
	if h == "" {
		return title
	}
	// Separators between the page's own name and the site's ("mod_rewrite - Apache HTTP
	// Server Version 2.4", "HTTP | Node.js v18.20.4 Documentation").
	for _, sep := range []string{" | ", " - ", " — ", " – ", " :: "} {
		parts := strings.Split(title, sep)
		if len(parts) < 2 {
			continue
		}
		for _, part := range parts {
			p := strings.ToLower(strings.TrimSpace(part))
			if p != "" && (p == h || strings.Contains(h, p)) {
				return strings.TrimSpace(part)
			}
		}
	}
	return title
}
