package bot

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// clock is a settable time source for the TTL and token-bucket tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestSeenSet(t *testing.T) {
	c := &clock{t: time.Unix(1700000000, 0)}
	s := newSeenSet(3, time.Minute, c.now)
	steps := []struct {
		key   string
		after time.Duration
		first bool
	}{
		{"a", 0, true},
		{"a", 0, false},
		{"b", 0, true},
		{"c", 0, true},
		{"d", 0, true}, // evicts a (size bound)
		{"a", 0, true}, // so a is new again
		{"d", 30 * time.Second, false},
		{"d", 31 * time.Second, true}, // expired (age bound)
	}
	for i, st := range steps {
		c.advance(st.after)
		if got := s.firstTime(st.key); got != st.first {
			t.Errorf("step %d: firstTime(%s) = %v", i, st.key, got)
		}
	}
	if s.len() > 3 {
		t.Errorf("set grew to %d", s.len())
	}
}

func TestUserLimiter(t *testing.T) {
	c := &clock{t: time.Unix(1700000000, 0)}
	l := newUserLimiter(3, c.now)
	for i := range 3 {
		if !l.allow("u") {
			t.Fatalf("question %d refused within the burst", i)
		}
	}
	if l.allow("u") {
		t.Fatal("fourth question in a burst allowed")
	}
	if !l.allow("v") {
		t.Fatal("another user refused")
	}
	c.advance(20 * time.Second) // a third of a minute earns one question back
	if !l.allow("u") || l.allow("u") {
		t.Fatal("refill is not one question per 20 s")
	}
	if unlimited := newUserLimiter(0, c.now); !unlimited.allow("u") {
		t.Fatal("limit 0 must allow everything")
	}
}

func TestDownloaderHosts(t *testing.T) {
	cases := []struct {
		api, file string
		ok        bool
	}{
		{"https://slack.com/api/", "https://files.slack.com/files-pri/T1-F1/a.pdf", true},
		{"https://slack.com/api/", "https://slack.com/files-pri/T1-F1/a.pdf", true},
		{"https://slack.com/api/", "http://files.slack.com/files-pri/T1-F1/a.pdf", false},
		{"https://slack.com/api/", "https://files.slack.com.evil.example/a.pdf", false},
		{"https://slack.com/api/", "https://evil.example/files.slack.com/a.pdf", false},
		{"https://slack.com/api/", "https://user@files.slack.com/a.pdf", false},
		{"https://slack-gov.com/api/", "https://files.slack-gov.com/files-pri/a.pdf", true},
		{"https://slack-gov.com/api/", "https://files.slack.com/files-pri/a.pdf", false},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/files-pri/a.pdf", true},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:9090/files-pri/a.pdf", false},
	}
	for _, c := range cases {
		d, err := newDownloader(c.api, "xoxb-t", 1<<20, http.DefaultClient)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(c.file)
		if got := d.allowed(u); got != c.ok {
			t.Errorf("api %s, file %s: allowed = %v", c.api, c.file, got)
		}
	}
}

func TestAdminSet(t *testing.T) {
	calls := 0
	members := func(_ context.Context, g string) ([]string, error) {
		calls++
		switch g {
		case "S1":
			return []string{"UG"}, nil
		default:
			return nil, errors.New("no_such_subteam")
		}
	}
	c := &clock{t: time.Unix(1700000000, 0)}
	s := newAdminSet([]string{"UA", " ", "S1", "S404"}, members, time.Minute, c.now)
	cases := []struct {
		user string
		ok   bool
	}{{"UA", true}, {"UG", true}, {"UX", false}, {"UG", true}}
	for _, cs := range cases {
		ok, _ := s.isAdmin(context.Background(), cs.user)
		if ok != cs.ok {
			t.Errorf("isAdmin(%s) = %v", cs.user, ok)
		}
	}
	before := calls
	c.advance(2 * time.Minute)
	_, _ = s.isAdmin(context.Background(), "UG")
	if calls == before {
		t.Error("group membership not refreshed after its TTL")
	}
	if _, err := s.isAdmin(context.Background(), "UX"); err == nil {
		t.Error("an unresolvable group must be reported")
	} else if want := "S404"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %v does not name %s", err, want)
	}
}

func TestPacer(t *testing.T) {
	c := &clock{t: time.Unix(1700000000, 0)}
	p := newPacer(time.Second, c.now)
	waits := []time.Duration{p.reserve("C1"), p.reserve("C1"), p.reserve("C2"), p.reserve("C1")}
	want := []time.Duration{0, time.Second, 0, 2 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("reserve %d waits %s, want %s", i, waits[i], want[i])
		}
	}
	c.advance(5 * time.Second)
	if w := p.reserve("C1"); w != 0 {
		t.Errorf("an idle channel waits %s", w)
	}
}
