package index

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Related words. People ask in their words, manuals answer in theirs: "do integer math"
// is "Arithmetic Expansion", "the temp directory" is "tmpdir", "delete a row" is DELETE
// or DROP, "a folder" is a directory. Stemming joins only forms of one word, so a
// question term also looks for the words of its groups below, at relatedWeight: such a
// word shows the passage may be on the question's subject, not that it uses the asker's
// word, so it never outranks the word itself (a term scores through its best form, the
// typed word at full weight).
//
// The groups are general: abbreviations manuals and people both use, everyday words for
// what manuals name formally, and irregular plurals the Porter stemmer leaves apart
// ("axes" and "axis"). They are not written from the evaluation questions' answers, and
// each word may be in several groups. A group is not transitive: a word finds the other
// words of its own groups only.
const relatedWeight = 0.5

// relatedCredit is how much of a question word a related word covers in the "not in the
// manuals" rule (relevance.go): the passage is on the subject, in other words.
const relatedCredit = 0.75

// relatedGroups returns the groups, one space-separated line each.
func relatedGroups() []string {
	return []string{
		// Abbreviations and their words.
		"tmp temp temporary", "dir dirs directory directories folder folders",
		"env environment", "arg args argument arguments argv parameter parameters param params",
		"config configuration configure conf settings setting", "auth authentication authenticate",
		"db database databases", "info information", "repo repository",
		"init initialize initialise initialization", "exec execute execution",
		"max maximum", "min minimum", "num number", "str string strings",
		"var vars variable variables", "len length", "ext extension",
		"cmd command commands", "msg message messages", "err error errors",
		"req request requests", "res response", "src source", "dest destination target",
		"pwd password passwd passphrase", "pid process processes", "lib library libraries",
		"pkg package packages", "doc docs documentation", "cert certificate certificates",
		"ssl tls https", "url uri link links", "stats statistics", "perf performance",
		"async asynchronous", "sync synchronous", "proc process", "admin administrator",
		"regex regexp regexps pattern", "bool boolean", "int integer integers",
		"obj object objects", "fn func function functions", "sec secs second seconds",
		"ms millisecond milliseconds", "hostname host", "ip address", "addr address",
		"os operating", "mem memory", "cpu processor", "util utility utilities",
		"calc calculate calculation", "spec specification", "attr attribute attributes",
		"char character characters", "col column columns", "idx index indexes indices",
		"ctrl control", "sigint interrupt", "stdout output", "stdin input", "stderr error",
		"hash digest checksum", "ts timestamp", "tz timezone", "utf unicode encoding",

		// Everyday words for what manuals name formally.
		"math arithmetic", "folder directory", "delete remove drop unlink erase",
		"make create", "start launch begin", "stop terminate halt shutdown kill",
		"restart reload graceful", "show display print list view", "see view show monitor",
		"find search locate lookup", "change modify alter", "combine merge join concatenate",
		"count number", "size length", "wait sleep delay", "every interval periodically repeatedly",
		"repeat loop iterate", "loop loops looping iterate iteration", "limit restrict",
		"allow permit grant enable", "deny forbid reject block",
		"backup dump", "restore reload import", "export dump", "save write store",
		"download fetch", "crash fail failure", "bug error", "log logging logs",
		"user role account", "login logon authenticate", "permission permissions privilege privileges access",
		"encrypt encryption ssl tls", "secure ssl tls", "redirect redirection rewrite",
		"proxy gateway", "balance balancer balancing distribute spread", "site website host virtualhost",
		"domain hostname virtualhost", "schedule cron timer", "timer timeout interval",
		"pretty format indent inspect", "nested deep depth", "autoincrement serial sequence identity",
		"random rand", "unique distinct", "duplicate duplicates distinct", "sort order",
		"row rows record records tuple tuples", "field column attribute", "table relation",
		"header headers", "cookie cookies", "upload multipart", "request fetch get",
		"convert cast conversion", "rename move", "copy duplicate", "quit exit",
		"running active current", "busy active", "slow timeout", "speed performance fast",
		"shrink reclaim compact vacuum", "empty truncate", "compare diff difference",
		"exists existence test", "trim strip", "uppercase upper capitalize", "lowercase lower",
		"substring substr slice", "replace substitute substitution", "split separate",
		"plot graph chart", "curve line", "colour color", "grey gray", "legend key",
		"width wide", "thick thickness width", "ticks tics tick", "range limits",
		"script scripts program", "shell bash", "alias aliases shortcut", "history previous",
		"background async daemon", "job jobs", "signal signals trap", "hidden hide",
		"forever infinite", "arithmetic expr expression", "pipe pipeline",
		"version versions release", "upgrade update", "install installation setup",
		"listen bind", "port ports", "socket sockets connection", "client connection",
		"event events emitter", "callback callbacks handler listener", "promise promises await",
		"stream streams", "buffer buffers bytes", "child subprocess spawn", "thread threads worker",
		"json parse stringify", "env environ", "log logarithm logarithmic", "subnet netmask cidr mask",
		"wait waiting blocked", "autoincrement auto_increment serial",

		// Irregular plurals the stemmer keeps apart.
		"axis axes", "matrix matrices", "vertex vertices", "child children",
		"datum data", "analysis analyses", "index indices", "appendix appendices",
		"criterion criteria", "person people", "leaf leaves",
	}
}

// relatedTable maps a stemmed word to the stems of the other words of its groups, and
// to the short forms (abbreviations of up to shortFormRunes letters, as typed) of its
// groups, which API and command names run together ("tmp" + "dir" is os.tmpdir).
type relatedTable struct {
	stems map[string][]string
	short map[string][]string
}

// shortFormRunes: a group word this short is an abbreviation, the kind names are built of.
const shortFormRunes = 4

// buildRelated analyses every group as the index analyses text, so that a question's
// stems meet the table's. Stop words drop out of groups; a one-word group is nothing.
func buildRelated(analyzer analysis.Analyzer) relatedTable {
	t := relatedTable{stems: map[string][]string{}, short: map[string][]string{}}
	for _, line := range relatedGroups() {
		var stems, short []string
		seen := map[string]bool{}
		for _, w := range strings.Fields(line) {
			toks := analyzer.Analyze([]byte(w))
			if len(toks) == 1 && utf8.RuneCountInString(w) <= shortFormRunes && !slices.Contains(short, w) {
				short = append(short, w)
			}
			for _, tok := range toks {
				s := string(tok.Term)
				if !seen[s] {
					seen[s] = true
					stems = append(stems, s)
				}
			}
		}
		for _, a := range stems {
			for _, b := range stems {
				if a != b && !slices.Contains(t.stems[a], b) {
					t.stems[a] = append(t.stems[a], b)
				}
			}
			for _, w := range short {
				if !slices.Contains(t.short[a], w) {
					t.short[a] = append(t.short[a], w)
				}
			}
		}
	}
	return t
}

// runTogether returns the one-word forms two neighbouring question words may take in a
// manual's names, as the index analyses them: the words as typed, or their groups' short
// forms, run together ("line color" is gnuplot's linecolor, "temp directory" os.tmpdir,
// "box plot" boxplot). Whether the index holds one is the caller's to check; the caller
// also tries b before a where the question says "a of b" (queryTerm.ofPrevious).
func runTogether(a, b queryTerm, t relatedTable, analyzer analysis.Analyzer) []string {
	if a.surface == "" || b.surface == "" || allDigits(a.surface) && allDigits(b.surface) {
		return nil // "0..10" is not 010
	}
	left := append([]string{a.surface}, t.short[a.text]...)
	right := append([]string{b.surface}, t.short[b.text]...)
	var out []string
	for _, l := range left {
		for _, r := range right {
			toks := analyzer.Analyze([]byte(l + r))
			if len(toks) != 1 {
				continue
			}
			if s := string(toks[0].Term); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// allDigits says whether w is a number written in digits.
func allDigits(w string) bool {
	return w != "" && strings.TrimFunc(w, unicode.IsDigit) == ""
}

// relatedCache builds a generation's table once, with the generation's own analyzer.
type relatedCache struct {
	once  sync.Once
	table relatedTable
}

func (c *relatedCache) get(analyzer analysis.Analyzer) relatedTable {
	c.once.Do(func() { c.table = buildRelated(analyzer) })
	return c.table
}

// joinedForms lists two-word phrases people type apart that manuals write as one word
// ("back up" is a backup, "log in" a login, "auto-increment" autoincrement): the words
// apart are often stop words or mean something else ("up", "in", "log" alone), so a
// question holding the phrase also asks for the one word.
func joinedForms() map[[2]string]string {
	return map[[2]string]string{
		{"back", "up"}: "backup", {"log", "in"}: "login", {"log", "on"}: "logon",
		{"log", "out"}: "logout", {"shut", "down"}: "shutdown",
		{"start", "up"}: "startup", {"look", "up"}: "lookup",
		{"time", "out"}: "timeout", {"roll", "back"}: "rollback", {"auto", "increment"}: "autoincrement",
		{"file", "name"}: "filename", {"path", "name"}: "pathname", {"host", "name"}: "hostname",
		{"user", "name"}: "username", {"data", "base"}: "database", {"key", "word"}: "keyword",
		{"time", "stamp"}: "timestamp", {"name", "space"}: "namespace", {"sub", "directory"}: "subdirectory",
		{"sub", "process"}: "subprocess", {"multi", "line"}: "multiline", {"read", "only"}: "readonly",
		{"here", "doc"}: "heredoc", {"web", "site"}: "website", {"white", "space"}: "whitespace",
		{"wild", "card"}: "wildcard", {"plug", "in"}: "plugin", {"down", "load"}: "download",
		{"up", "load"}: "upload", {"home", "page"}: "homepage", {"short", "cut"}: "shortcut",
		{"check", "sum"}: "checksum", {"end", "point"}: "endpoint", {"work", "load"}: "workload",
		{"new", "line"}: "newline", {"line", "break"}: "newline",
	}
}

// withJoinedForms returns text with the one-word form of each of its joinedForms phrases
// added at the end (the phrase's own words stay: a passage may write them apart too).
func withJoinedForms(text string, forms map[[2]string]string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var extra []string
	for i := 0; i+1 < len(words); i++ {
		if j, ok := forms[[2]string{words[i], words[i+1]}]; ok && !slices.Contains(extra, j) {
			extra = append(extra, j)
		}
	}
	if len(extra) == 0 {
		return text
	}
	return text + "\n" + strings.Join(extra, " ")
}

// relatedMax bounds the related words a question term searches for, the rarest kept:
// each costs a posting list in the candidate search and locations in rescoring, and a
// common one says little (its score is capped by the question word's anyway). Three
// kept the retrieval figures of no bound (scripts/retrieval_eval.sh) at a fifth less
// search time on the evaluation questions.
const relatedMax = 3

// heldRelated keeps the related words the index holds, at most relatedMax, rarest first.
func heldRelated(related []string, st termStats) []string {
	var held []string
	for _, r := range related {
		if st.df[r] > 0 {
			held = append(held, r)
		}
	}
	slices.SortStableFunc(held, func(a, b string) int { return cmp.Compare(st.df[a], st.df[b]) })
	return held[:min(len(held), relatedMax)]
}
