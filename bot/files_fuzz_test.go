package bot

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzSafeFileName gives the download path arbitrary Slack file names: the file must land
// directly in the download folder, never beside or above it, whatever the name says.
func FuzzSafeFileName(f *testing.F) {
	for _, s := range []string{"manual.pdf", "../../etc/passwd", "..\\..\\x.md", "/abs/path.txt", "..", ".", "",
		"a/../../b", "C:\\Windows\\x.html", "dir/", "\x00.md", "  .md", "…/x", strings.Repeat("a", 300) + ".md"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, name string) {
		got := safeFileName(name)
		if got == "" || got == "." || got == ".." || strings.ContainsAny(got, `/\`) {
			t.Fatalf("safeFileName(%q) = %q", name, got)
		}
		p := filepath.Join(dir, got)
		if filepath.Dir(p) != dir {
			t.Fatalf("safeFileName(%q) = %q lands in %s, not %s", name, got, filepath.Dir(p), dir)
		}
		if fh, err := os.Create(p); err == nil {
			fh.Close()
			os.Remove(p)
		}
	})
}

// FuzzDownloadURL checks that a file URL taken from a message can only send the bot token
// to the Slack API's own hosts, over its scheme, without credentials in the URL.
func FuzzDownloadURL(f *testing.F) {
	for _, s := range []string{"https://files.slack.com/files-pri/T1/x.pdf", "https://slack.com/x", "https://evil.com/x",
		"https://files.slack.com@evil.com/x", "https://user:pw@files.slack.com/x", "http://files.slack.com/x",
		"https://files.slack.com.evil.com/", "https://FILES.SLACK.COM/x", "//files.slack.com/x", "https://files.slack.com:443/x",
		"https://[::1]/x", "https://files.slack.com%2f@evil.com/"} {
		f.Add(s)
	}
	d, err := newDownloader("https://slack.com/api/", "xoxb-secret", 1<<20, http.DefaultClient)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil || !d.allowed(u) {
			return
		}
		if u.Scheme != "https" || u.User != nil || (u.Host != "slack.com" && u.Host != "files.slack.com") {
			t.Fatalf("%q allowed: scheme %q, user %v, host %q", raw, u.Scheme, u.User, u.Host)
		}
		// What the HTTP client will dial is the URL's host as it prints it.
		if again, err := url.Parse(u.String()); err != nil || again.Host != u.Host {
			t.Fatalf("%q allowed, but it prints as %q (host %v)", raw, u.String(), again)
		}
	})
}
