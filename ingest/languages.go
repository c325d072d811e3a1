package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// preferredLanguage is the language kept when a folder holds one manual in several
// languages: the index analyses English (English stop words and stemming), and five
// translations of every page would fill the results with copies.
const preferredLanguage = "en"

// isLanguageTag reports whether s has the shape of the language tags translated manuals
// are filed under: a two-letter ISO 639-1 code, optionally with a region or script
// ("fr", "pt-br", "zh-cn", "zh_TW"). The shape alone is not enough to skip a folder (see
// translationFolders).
func isLanguageTag(s string) bool {
	s = strings.ToLower(s)
	lang, region, hasRegion := strings.Cut(strings.ReplaceAll(s, "_", "-"), "-")
	if len(lang) != 2 || !isLower(lang) {
		return false
	}
	return !hasRegion || (len(region) >= 2 && len(region) <= 4 && isLowerOrDigit(region))
}

func isLower(s string) bool {
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isLowerOrDigit(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// languageSuffix splits "bind.html.fr" into "bind.html" and "fr" when the last extension
// is a language tag and what is before it names a manual format (Apache httpd's sources
// ship every page so, next to a type map "bind.html" for content negotiation).
func languageSuffix(name string) (base, lang string, ok bool) {
	ext := filepath.Ext(name)
	if len(ext) < 3 || !isLanguageTag(ext[1:]) {
		return "", "", false
	}
	base = strings.TrimSuffix(name, ext)
	if formatOf(strings.ToLower(filepath.Ext(base))) == FormatUnknown {
		return "", "", false
	}
	return base, strings.ToLower(ext[1:]), true
}

// translationFolders returns the sub-folders of dir (names, sorted) that hold other
// languages of the manual, and where the preferred language's copy is (a sub-folder of
// dir, or "." for dir itself). Debian's apache2-doc ships manual/en/, manual/fr/,
// manual/ja/ ..., each a full tree in which untranslated pages are links back to en/;
// /usr/share/man holds the English man1/ ... man8/ beside de/, fr/, pt_BR/ ..., each with
// its own man1/ ... A folder is taken for a translation only when its name is a language
// tag, the preferred copy sits beside it ("en", or the manN folders), and at least half of
// its entries are named as entries of that copy are, so a folder that merely has a
// two-letter name is walked.
func translationFolders(dir string, subs []string) (out []string, pref string) {
	var prefNames map[string]bool
	for _, s := range subs {
		if strings.EqualFold(s, preferredLanguage) {
			pref = s
		}
	}
	if pref == "" {
		prefNames = map[string]bool{}
		for _, s := range subs {
			if manSectionFolder.MatchString(s) {
				prefNames[s] = true
			}
		}
		if len(prefNames) == 0 {
			return nil, ""
		}
		pref = "."
	}
	for _, s := range subs {
		if s == pref || !isLanguageTag(s) {
			continue
		}
		if prefNames == nil {
			entries, err := os.ReadDir(filepath.Join(dir, pref))
			if err != nil {
				return nil, ""
			}
			prefNames = make(map[string]bool, len(entries))
			for _, e := range entries {
				prefNames[e.Name()] = true
			}
		}
		entries, err := os.ReadDir(filepath.Join(dir, s))
		if err != nil || len(entries) == 0 {
			continue
		}
		same := 0
		for _, e := range entries {
			if prefNames[e.Name()] {
				same++
			}
		}
		if 2*same >= len(entries) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out, pref
}

// manSectionFolder matches the folders of a man tree's sections: man1 ... man9, man3pm.
var manSectionFolder = regexp.MustCompile(`^man[1-9][a-z]{0,5}$`)

// pageVariants decides, among one folder's file names, which language variants of a page
// to leave out: of "bind.html.en", "bind.html.fr", "bind.html.de" only the preferred
// language's is read (else the first in name order), and the type map "bind.html" beside
// them is not a page. It returns the names left out and the languages among them.
func pageVariants(names []string) (drop map[string]bool, langs []string) {
	type variant struct{ lang, name string }
	variants := map[string][]variant{} // base -> the language variants present
	for _, n := range names {
		if base, lang, ok := languageSuffix(n); ok {
			variants[base] = append(variants[base], variant{lang, n})
		}
	}
	if len(variants) == 0 {
		return nil, nil
	}
	drop = map[string]bool{}
	seen := map[string]bool{}
	for base, vs := range variants {
		sort.Slice(vs, func(i, j int) bool { return vs[i].name < vs[j].name })
		keep := 0
		for i, v := range vs {
			if v.lang == preferredLanguage {
				keep = i
			}
		}
		for i, v := range vs {
			if i == keep {
				continue
			}
			drop[v.name] = true
			if !seen[v.lang] {
				seen[v.lang] = true
				langs = append(langs, v.lang)
			}
		}
		drop[base] = true // the type map, when there is one
	}
	sort.Strings(langs)
	return drop, langs
}

// translationSkip is the Skip recorded for a folder's left-out language variants.
func translationSkip(dir string, n int, langs []string) Skip {
	return Skip{dir, fmt.Sprintf("%d pages in other languages (%s) and their type maps not ingested: the %s version of each page is",
		n, strings.Join(langs, ", "), preferredLanguage)}
}
