package bot

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// seenLog keeps the dedupe set's keys in a JSONL file under the data dir, so that an event
// Slack retries after a restart (it retries for up to about five minutes) is still
// recognised. It is bounded like the set: on open only keys within the TTL are kept, and
// the file is rewritten from the set whenever it grows to twice the set's size.
type seenLog struct {
	mu    sync.Mutex
	path  string
	f     *os.File
	lines int
	set   *seenSet
}

type seenLine struct {
	Key string `json:"k"`
	At  int64  `json:"t"` // unix ms
}

// openSeenLog loads path's keys into set (those still within its TTL) and opens the file
// for appending, compacted. A torn last line (a crash mid-write) is skipped.
func openSeenLog(path string, set *seenSet) (*seenLog, error) {
	l := &seenLog{path: path, set: set}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("event log: %w", err)
	default:
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var ln seenLine
			if json.Unmarshal(sc.Bytes(), &ln) == nil && ln.Key != "" {
				set.restore(ln.Key, time.UnixMilli(ln.At))
			}
		}
		f.Close()
	}
	if err := l.compact(); err != nil {
		return nil, err
	}
	return l, nil
}

// add appends one key.
func (l *seenLog) add(key string, at time.Time) {
	line, _ := json.Marshal(seenLine{Key: key, At: at.UnixMilli()})
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return
	}
	if _, err := l.f.Write(append(line, '\n')); err != nil {
		return
	}
	if l.lines++; l.lines > 2*l.set.max {
		_ = l.compactLocked()
	}
}

func (l *seenLog) compact() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.compactLocked()
}

// compactLocked rewrites the file with the set's live keys (atomically, by rename) and
// reopens it for appending.
func (l *seenLog) compactLocked() error {
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
	tmp := l.path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	w := bufio.NewWriter(out)
	entries := l.set.snapshot()
	for _, e := range entries {
		line, _ := json.Marshal(seenLine{Key: e.key, At: e.at.UnixMilli()})
		_, _ = w.Write(append(line, '\n'))
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return fmt.Errorf("event log: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	if err := os.Rename(tmp, l.path); err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	l.f, l.lines = f, len(entries)
	return nil
}

func (l *seenLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
}

// firstSeen records key in the dedupe set, and in its log when there is one, and reports
// whether it is new.
func (b *Bot) firstSeen(key string) bool {
	if !b.seen.firstTime(key) {
		return false
	}
	if b.seenLog != nil {
		b.seenLog.add(key, b.seen.now())
	}
	return true
}

// persistSeen writes a key already recorded in memory to the log ("" does nothing).
func (b *Bot) persistSeen(key string) {
	if key != "" && b.seenLog != nil {
		b.seenLog.add(key, b.seen.now())
	}
}
