package ingest

import (
	"context"
	"strings"
	"testing"
)

// pumpMan is a man page as people write them: man macros, font escapes, an option list,
// a sub-section and a table.
const pumpMan = `.\" the pump's manual page
.TH PUMPCTL 8 "March 2026" "pump 2.1" "System Administration"
.SH NAME
pumpctl \- control the coolant pump
.SH SYNOPSIS
.B pumpctl
[\fB\-v\fR] [\fB\-\-rate\fR=\fIN\fR]
.SH DESCRIPTION
.B pumpctl
starts, stops and throttles the coolant pump of a Brewmaster 3000.
It talks to the pump over its serial port and logs to the journal.
.SH OPTIONS
.TP
.BR \-v ", " \-\-verbose
Print every command sent to the pump.
.TP
.BI \-\-rate= N
Pump at \fIN\fR litres a minute.
.SS Exit status
.TS
l l.
0	the pump answered
3	the pump did not answer
.TE
.SH SEE ALSO
.BR pumpd (8)
`

func TestReadMan(t *testing.T) {
	needTool(t, "groff", "groff-base")
	doc, err := parseDocument(context.Background(), []byte(pumpMan), FormatMan, "pumpctl.8")
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "pumpctl - control the coolant pump" {
		t.Errorf("title %q, want the NAME line", doc.Title)
	}
	order, got := sectionTexts(doc)
	want := "NAME|SYNOPSIS|DESCRIPTION|OPTIONS|OPTIONS > Exit status|SEE ALSO"
	if strings.Join(order, "|") != want {
		t.Fatalf("sections %q, want %s", order, want)
	}
	for section, has := range map[string][]string{
		"SYNOPSIS":              {"pumpctl [-v] [--rate=N]"},
		"DESCRIPTION":           {"starts, stops and throttles the coolant pump of a Brewmaster 3000. It talks"},
		"OPTIONS":               {"-v, --verbose", "Print every command sent to the pump.", "Pump at N litres a minute."},
		"OPTIONS > Exit status": {"0 the pump answered", "3 the pump did not answer"},
	} {
		for _, s := range has {
			if !strings.Contains(strings.Join(strings.Fields(got[section]), " "), s) {
				t.Errorf("%s: %q lacks %q", section, got[section], s)
			}
		}
	}
	for key, text := range got {
		if strings.Contains(text, "PUMPCTL(8)") || strings.Contains(text, "March 2026") || strings.Contains(text, "\x08") || strings.Contains(text, "\x1b[") {
			t.Errorf("%s: header, footer or terminal codes kept: %q", key, text)
		}
	}
}

// TestReadManRefuses: aliases, pages that read other files, and files that are no man
// page though named like one are skipped with the reason, before groff runs.
func TestReadManRefuses(t *testing.T) {
	tests := []struct {
		name, src, reason string
	}{
		{"alias", ".so man1/gzip.1\n", "a link to the man page man1/gzip.1"},
		{"includes a file", ".TH X 1\n.SH NAME\nx \\- y\n.so /etc/passwd\n", "reads another file (.so /etc/passwd)"},
		{"copies a file", ".TH X 1\n.SH NAME\nx\n.cf /etc/shadow\n", "reads another file (.cf /etc/shadow)"},
		{"rotated log", "Dec  2 10:00:01 host cron[1]: started\n", "not a man page"},
	}
	for _, tt := range tests {
		wantSkip(t, tt.name, []byte(tt.src), FormatMan, "x.1", tt.reason)
	}
}

func TestDetectMan(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Format
	}{
		{"ls.1.gz", FormatMan}, {"apt-get.8", FormatMan}, {"config.5ssl.gz", FormatMan},
		{"Foo::Bar.3pm.gz", FormatMan}, {"printf.3p", FormatMan},
		{"notes.0", FormatUnknown}, {"v.10", FormatUnknown}, {"archive.tar.1x2", FormatUnknown},
	} {
		if f, _ := Detect(tc.name); f != tc.want {
			t.Errorf("Detect(%q) = %v, want %v", tc.name, f, tc.want)
		}
	}
}

// FuzzManText runs the clean-up of groff's output and the man-page reading of the text
// on arbitrary input, then the chunker.
func FuzzManText(f *testing.F) {
	f.Add("LS(1)        User Commands        LS(1)\n\nNAME\n       ls - list  directory   contents\n\nSYNOPSIS\n       ls [OPTION]...\n\n   Sub\n       x\n\nGNU 9.1        2022        LS(1)\n", 80, 10)
	f.Add("X(1)\n", 10, 0)
	f.Add("\n\n  \n", 0, 0)
	f.Fuzz(func(t *testing.T, out string, size, overlap int) {
		out = strings.ToValidUTF8(out, "\uFFFD") // groff -Tutf8 writes UTF-8
		doc := parsePlain([]page{{text: manText(out)}}, false)
		fuzzChunks(t, doc, ChunkOptions{Size: size % 5000, Overlap: overlap % 5000})
	})
}
