package bot_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
)

// feedbackChildEnv makes the test binary a feedback writer that appends until killed.
const feedbackChildEnv = "MANUALBOT_FEEDBACK_KILL_CHILD"

// bigAnswer makes each record a few MiB, so that a SIGKILL can land inside one write:
// Linux ends a write to a regular file early when a fatal signal is pending.
var bigAnswer = strings.Repeat("descale the boiler. ", 200_000)

// TestFeedbackSurvivesKill kills a real process with SIGKILL while it appends feedback
// records, several times over the same file: each next start cuts a torn last line, so
// no record written after it is lost, every line of the file is a whole record, and
// export gives them all.
func TestFeedbackSurvivesKill(t *testing.T) {
	if path := os.Getenv(feedbackChildEnv); path != "" {
		feedbackChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), bot.FeedbackFile)
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFeedbackSurvivesKill$")
		cmd.Env = append(os.Environ(), feedbackChildEnv+"="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it at a moment that moves from round to round, after it has written.
		before := fileSize(path)
		deadline := time.Now().Add(30 * time.Second)
		for fileSize(path) < before+int64(round+1)*3<<20 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(round) * 3 * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		// The next start: open, record, export.
		store, err := bot.OpenFeedbackStore(path)
		if err != nil {
			t.Fatal(err)
		}
		marker := fmt.Sprintf("after kill %d", round)
		if err := store.Record(bot.Feedback{Rating: "helpful", Answer: marker}); err != nil {
			t.Fatal(err)
		}
		lines := wholeLines(t, path)
		if lines[len(lines)-1].Answer != marker {
			t.Fatalf("round %d: the record written after the kill is not the last line", round)
		}
		var out bytes.Buffer
		n, err := store.Export(&out)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(lines) {
			t.Fatalf("round %d: export gave %d records, the file holds %d lines", round, n, len(lines))
		}
		for r := 0; r <= round; r++ {
			if !strings.Contains(out.String(), fmt.Sprintf(`"answer":"after kill %d"`, r)) {
				t.Fatalf("round %d: the record written after kill %d is lost", round, r)
			}
		}
	}
}

// wholeLines reads path and fails unless every line is a whole feedback record.
func wholeLines(t *testing.T, path string) []bot.Feedback {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []bot.Feedback
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			break
		}
		if !bytes.HasSuffix(line, []byte("\n")) {
			t.Fatalf("line %d is torn (%d bytes, no newline)", len(out)+1, len(line))
		}
		var fb bot.Feedback
		if err := json.Unmarshal(line, &fb); err != nil {
			t.Fatalf("line %d is not a record: %v", len(out)+1, err)
		}
		out = append(out, fb)
	}
	return out
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

func feedbackChild(path string) {
	store, err := bot.OpenFeedbackStore(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		if err := store.Record(bot.Feedback{Rating: "not_helpful", Question: fmt.Sprint(i), Answer: bigAnswer}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// TestFeedbackTornLineCut is the same recovery on a torn line written by hand, so it is
// checked even when no kill happened to land inside a write.
func TestFeedbackTornLineCut(t *testing.T) {
	for _, tc := range []struct{ name, content string }{
		{"torn after whole lines", `{"rating":"helpful","answer":"a"}` + "\n" + `{"rating":"help`},
		{"only a torn line", `{"rating":"help`},
		{"whole lines only", `{"rating":"helpful","answer":"a"}` + "\n"},
		{"empty file", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), bot.FeedbackFile)
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			store, err := bot.OpenFeedbackStore(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.Record(bot.Feedback{Rating: "helpful", Answer: "new"}); err != nil {
				t.Fatal(err)
			}
			lines := wholeLines(t, path)
			if got := lines[len(lines)-1].Answer; got != "new" {
				t.Fatalf("last record %q, want the new one", got)
			}
			if want := strings.Count(tc.content, "\n") + 1; len(lines) != want {
				t.Fatalf("%d records, want %d", len(lines), want)
			}
		})
	}
}
