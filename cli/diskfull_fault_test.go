package cli

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"manualbot/internal/testutil"
)

// diskFullChildEnv makes the test binary run one `ingest` under a file-size limit.
const diskFullChildEnv = "MANUALBOT_DISKFULL_CHILD"

// TestIngestDiskFull runs a real `manualbot ingest` in a child process whose writes fail
// once a file passes 128 KiB (RLIMIT_FSIZE: the kernel refuses the write with EFBIG, as a
// full disk refuses it with ENOSPC), while it indexes a big new manual into an index
// that already holds the example manuals. The ingest must fail with a one-line error
// naming the write, and the previous index generation must still answer; the next
// ingest, with room, must succeed.
func TestIngestDiskFull(t *testing.T) {
	if args := os.Getenv(diskFullChildEnv); args != "" {
		signal.Ignore(syscall.SIGXFSZ) // a write past the limit then returns EFBIG
		lim := syscall.Rlimit{Cur: 128 << 10, Max: 128 << 10}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			fmt.Fprintln(os.Stderr, "setrlimit:", err)
			os.Exit(3)
		}
		_, _, err := runCLI(t, strings.Split(args, "\x1f")...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	data := t.TempDir()
	manuals := filepath.Join(testutil.RepoRoot(t), "examples", "manuals")
	if _, _, err := runCLI(t, "--data-dir", data, "ingest", "--product", "brewmaster", manuals); err != nil {
		t.Fatalf("first ingest: %v", err)
	}
	before, _, err := runCLI(t, "--data-dir", data, "search", "descale", "--json")
	if err != nil || !strings.Contains(before, "descal") {
		t.Fatalf("search before: %v %q", err, before)
	}

	big := t.TempDir()
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "## Valve %d\n\nTurn valve %d clockwise to open the zebrafish loop number %d.\n\n", i, i, i*7)
	}
	if err := os.WriteFile(filepath.Join(big, "valves.md"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestIngestDiskFull$")
	cmd.Env = append(os.Environ(), diskFullChildEnv+"="+strings.Join([]string{"--data-dir", data, "ingest", "--product", "valves", big}, "\x1f"))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("ingest succeeded past the size limit:\n%s", out)
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("child exit %d, want the command's error:\n%s", code, out)
	}
	msg := strings.TrimSpace(string(out))
	if !strings.Contains(msg, "file too large") || strings.Count(msg, "\n") > 2 {
		t.Errorf("want a short error naming the failed write (file too large), got:\n%s", msg)
	}
	t.Logf("the failed ingest said: %s", msg)

	after, _, err := runCLI(t, "--data-dir", data, "search", "descale", "--json")
	if err != nil || after != before {
		t.Fatalf("the previous generation no longer answers the same: %v\nbefore %q\nafter  %q", err, before, after)
	}
	if got, _, _ := runCLI(t, "--data-dir", data, "search", "zebrafish", "--json"); !strings.Contains(got, `"hits":[]`) {
		t.Errorf("half of the failed ingest is visible: %q", got)
	}
	if _, _, err := runCLI(t, "--data-dir", data, "ingest", "--product", "valves", big); err != nil {
		t.Fatalf("ingest with room after the failure: %v", err)
	}
	if got, _, err := runCLI(t, "--data-dir", data, "search", "zebrafish", "--json"); err != nil || strings.Contains(got, `"hits":[]`) {
		t.Fatalf("the next ingest's manual is not searchable: %v %q", err, got)
	}
}
