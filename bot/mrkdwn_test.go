package bot

import (
	"strings"
	"testing"
)

// Slack's mrkdwn as Slack documents it (https://docs.slack.dev/messaging/formatting-message-text):
// *bold*, _italic_, ~strike~, <url|text>, • for bullets; code left alone.
func TestToMrkdwn(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bold", "Press **Reset** now", "Press *Reset* now"},
		{"bold underscores", "Press __Reset__", "Press *Reset*"},
		{"italic", "a *soft* reset", "a _soft_ reset"},
		{"bold and italic", "**hard** and *soft*", "*hard* and _soft_"},
		{"strike", "~~old~~ new", "~old~ new"},
		{"heading", "## Resetting the pump", "*Resetting the pump*"},
		{"bullets", "- one\n* two\n  + three", "• one\n• two\n  • three"},
		{"numbered list kept", "1. first\n2. second", "1. first\n2. second"},
		{"link", "see [the manual](https://docs.example.com/a)", "see <https://docs.example.com/a|the manual>"},
		{"unsafe link dropped", "see [this](javascript:alert)", "see this"},
		{"citation markers untouched", "Hold it [1] and [2, 3].", "Hold it [1] and [2, 3]."},
		{"inline code untouched", "run `**not bold**` here", "run `**not bold**` here"},
		{"code block untouched", "```sh\n- not a bullet\n**x**\n```\n- bullet", "```\n- not a bullet\n**x**\n```\n• bullet"},
		{"lone asterisk", "2 * 3 = 6", "2 * 3 = 6"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := toMrkdwn(tc.in); got != tc.want {
				t.Errorf("toMrkdwn(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestStripMarkers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hold it [1].", "Hold it."},
		{"Hold it [1, 2] and go", "Hold it and go"},
		{"Hold it [1", "Hold it"},
		{"Hold it [", "Hold it"},
		{"an [array] stays", "an [array] stays"},
	}
	for _, tc := range tests {
		if got := stripMarkers(tc.in); got != tc.want {
			t.Errorf("stripMarkers(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNeutralizeMentions(t *testing.T) {
	got := neutralizeMentions("ping <!channel> and <@U123> in <#C1|general>, a < b")
	for _, bad := range []string{"<!", "<@", "<#"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q still opens a mention with %q", got, bad)
		}
	}
	if !strings.Contains(got, "a < b") {
		t.Errorf("plain text changed: %q", got)
	}
}

// A long answer split inside a code block closes the block in one message and reopens it
// in the next.
func TestBalanceFences(t *testing.T) {
	got := balanceFences([]string{"intro\n```\nline 1", "line 2\n```\nafter", "plain"})
	want := []string{"intro\n```\nline 1\n```", "```\nline 2\n```\nafter", "plain"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("part %d = %q, want %q", i, got[i], want[i])
		}
	}
}
