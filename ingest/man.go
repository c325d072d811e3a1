package ingest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Man pages in roff source (/usr/share/man/man1/ls.1.gz): the pages are typeset with
// groff (Debian's groff-base, which man-db needs, so every system with man has it), as
// man would show them, and the rendered text is read as a rendered man page is
// (parsePlain: NAME, SYNOPSIS, "SHELL GRAMMAR > Pipelines"). There is no roff
// interpreter in Go, and the man and mdoc macro packages, tbl tables and character
// escapes are groff's to get right.
//
// groff runs in its safer mode (its default: no .sy, .pi, .open), and a page that asks
// to read other files (.so, .cf, .trf, .nx, .rd) is refused before groff sees it: a man
// page uploaded to the bot must not pull /etc files into the index. A page that is only
// ".so man1/other.1" (an alias) is skipped with the page it points to.

// manTimeout bounds one groff run, as pdfTimeout bounds pdftotext.
const manTimeout = time.Minute

// manWidth is the line length pages are typeset to: wide enough that option tables keep
// their columns, as a wide terminal shows them.
const manWidth = 100

// manExtension matches a man page's file extension: the section digit and an optional
// suffix ("ls.1", "openssl.1ssl", "Foo::Bar.3pm", "printf.3p").
var manExtension = regexp.MustCompile(`^\.[1-9][a-z]{0,5}$`)

// manFileRequest matches a roff request that reads another file.
var manFileRequest = regexp.MustCompile(`(?m)^[.'][ \t]*(so|cf|trf|nx|rd|pso|open|opena|mso)\b[ \t]*(\S*)`)

// manMacros matches the requests a man page (man or mdoc macros) starts with.
var manMacros = regexp.MustCompile(`(?m)^[.'][ \t]*(TH|Dd|Dt|SH|Sh)\b`)

// readMan typesets a roff man page with groff and reads the text. name is the file
// name, the title of last resort.
func readMan(ctx context.Context, src, name string) (*Document, error) {
	for _, m := range manFileRequest.FindAllStringSubmatch(src, -1) {
		switch {
		case m[1] == "mso": // a macro package from groff's own folders
		case m[1] == "so" && !manMacros.MatchString(src):
			return nil, skipf("a link to the man page %s (.so), not a page itself", m[2])
		default:
			return nil, skipf("man page reads another file (.%s %s): refused", m[1], m[2])
		}
	}
	if !manMacros.MatchString(src) {
		return nil, skipf("not a man page (no .TH or .Dd)")
	}
	out, err := runGroff(ctx, src)
	if err != nil {
		return nil, err
	}
	doc := parsePlain([]page{{text: manText(out)}}, false)
	if doc.Title == "" {
		doc.Title = titleFromName(name)
	}
	return doc, nil
}

// runGroff typesets src as man (or mdoc) to UTF-8 text without overstrike or escape
// sequences, without hyphenation, through preconv (the page's encoding) and tbl.
func runGroff(ctx context.Context, src string) (string, error) {
	out, msg, err := runTool(ctx, strings.NewReader(src), manTimeout, "groff-base", []string{"GROFF_NO_SGR=1"},
		"groff", "-k", "-t", "-mandoc", "-Tutf8", fmt.Sprintf("-rLL=%dn", manWidth), "-rHY=0", "-P-c", "-P-b", "-P-o", "-P-u")
	if errors.Is(err, errToolFailed) {
		return "", skipf("groff could not typeset the page: %s", msg)
	}
	return string(out), err
}

// manText makes groff's page read as parsePlain expects a rendered man page: without
// the running header ("LS(1)  User Commands  LS(1)") and footer lines, so that it starts
// with NAME, and with the runs of spaces justification put between words made single
// (the indentation at the start of a line stays: it tells headings from body text).
func manText(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	first, last := -1, -1
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return ""
	}
	if first < last && manRunningLine.MatchString(lines[first]) {
		lines[first] = ""
	}
	if first < last && manRunningLine.MatchString(lines[last]) {
		lines[last] = ""
	}
	for i, l := range lines {
		body := strings.TrimLeft(l, " ")
		lines[i] = l[:len(l)-len(body)] + strings.Join(strings.Fields(body), " ")
	}
	return strings.TrimLeft(strings.Join(lines, "\n"), "\n")
}

// manRunningLine matches a man page's header or footer: it names the page and its
// section, "LS(1)" or "ls(1)", at the edge of the line.
var manRunningLine = regexp.MustCompile(`^\S+\([1-9][a-zA-Z]{0,5}\)|\S+\([1-9][a-zA-Z]{0,5}\)$`)
