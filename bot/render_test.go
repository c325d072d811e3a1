package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"manualbot/qa"
)

func TestSplitText(t *testing.T) {
	para := strings.Repeat("word ", 100) // 500 bytes
	cases := []struct {
		name  string
		in    string
		max   int
		parts int
	}{
		{"short", "hello", 3000, 1},
		{"empty", "  ", 3000, 0},
		{"paragraphs", para + "\n\n" + para + "\n\n" + para, 1100, 2},
		{"lines", strings.Repeat("line of text\n", 300), 1000, 4},
		{"one huge word", strings.Repeat("x", 7000), 3000, 3},
		{"multibyte word", strings.Repeat("é", 2000), 1001, 4},
		{"entities", strings.Repeat("&amp;", 700), 1001, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parts := splitText(c.in, c.max)
			if len(parts) != c.parts {
				t.Fatalf("%d parts, want %d", len(parts), c.parts)
			}
			for i, p := range parts {
				if len(p) > c.max || !utf8.ValidString(p) || p == "" {
					t.Errorf("part %d: %d bytes, valid UTF-8 %v", i, len(p), utf8.ValidString(p))
				}
				if strings.Contains(c.in, "&amp;") && (!strings.HasPrefix(p, "&amp;") || !strings.HasSuffix(p, "&amp;")) {
					t.Errorf("part %d cuts an entity: %q…%q", i, p[:8], p[len(p)-8:])
				}
			}
			if got, want := strings.Join(strings.Fields(strings.Join(parts, " ")), ""), strings.Join(strings.Fields(c.in), ""); got != want {
				t.Errorf("text lost in the split")
			}
		})
	}
}

func TestCitationLine(t *testing.T) {
	cases := []struct {
		c    qa.Citation
		want string
	}{
		{qa.Citation{N: 1, Title: "Pump Manual", Section: "Reset", Page: 12, URL: "https://docs.example.com/p#r"},
			"[1] <https://docs.example.com/p#r|Pump Manual> — Reset (p. 12)"},
		{qa.Citation{N: 2, DocID: "faq.md", Section: "Errors"}, "[2] faq.md — Errors"},
		{qa.Citation{N: 3, Title: "A <b> & C", URL: "javascript:alert(1)"}, "[3] A &lt;b&gt; &amp; C"},
		{qa.Citation{N: 4, Title: "x|y", URL: "https://e.com/a|b>c"}, "[4] <https://e.com/a%7Cb%3Ec|x¦y>"},
	}
	for _, c := range cases {
		if got := citationLine(c.c); got != c.want {
			t.Errorf("citationLine(%+v) = %q, want %q", c.c, got, c.want)
		}
	}
}

// A model's output cannot ping people or channels: Slack's control characters are escaped.
func TestAnswerEscapesMrkdwnControls(t *testing.T) {
	msgs := answerMessages(&qa.Answer{Text: "Tell <!channel> and <@U123> & co"}, "id")
	if got := msgs[0].Text; got != "Tell &lt;!channel&gt; and &lt;@U123&gt; &amp; co" {
		t.Errorf("text = %q", got)
	}
}

func TestStripMentions(t *testing.T) {
	for in, want := range map[string]string{
		"<@UBOT> how do I reset?":          "how do I reset?",
		"hey <@UBOT|manualbot>  status":    "hey status",
		"<@W123> and <@UBOT> use qa=x":     "and use qa=x",
		"no mention, <#C123|general> here": "no mention, <#C123|general> here",
	} {
		if got := stripMentions(in); got != want {
			t.Errorf("stripMentions(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTSBefore(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"1700000000.000100", "1700000000.000200", true},
		{"1700000000.000200", "1700000000.000100", false},
		{"1700000000.1", "1700000000.000200", false},
		{"999999999.9", "1000000000.0", true},
		{"1700000000.000100", "1700000000.000100", false},
	}
	for _, c := range cases {
		if got := tsBefore(c.a, c.b); got != c.want {
			t.Errorf("tsBefore(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
