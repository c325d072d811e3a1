package bot

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"manualbot/qa"
)

// Feedback is one click on an answer's feedback buttons, with everything needed to reuse
// the exchange as tuning data (question, answer, citations, adapters).
type Feedback struct {
	Time time.Time `json:"time"`
	// Rating is "helpful" or "not_helpful".
	Rating string `json:"rating"`
	// User clicked the button; Asker asked the question (often the same person).
	User      string        `json:"user"`
	Asker     string        `json:"asker,omitempty"`
	Channel   string        `json:"channel"`
	ThreadTS  string        `json:"thread_ts,omitempty"`
	MessageTS string        `json:"message_ts"`
	Question  string        `json:"question,omitempty"`
	Answer    string        `json:"answer"`
	Citations []qa.Citation `json:"citations,omitempty"`
	Adapters  []string      `json:"adapters,omitempty"`
	// AnswerID names the answer rated (channel/ts of its message), one vote per user.
	AnswerID string `json:"answer_id,omitempty"`
	// Composition is what answered (name, path, adapters, learned, weights).
	Composition *qa.CompositionInfo `json:"composition,omitempty"`
}

// answerKey is what one vote per user is counted on.
func (f Feedback) answerKey() string {
	if f.AnswerID != "" {
		return f.AnswerID
	}
	return f.Channel + "/" + f.MessageTS
}

// voteKey names one user's vote on one answer; "" when the record says neither who voted
// nor on what (records made outside Slack), which are then not deduplicated.
func (f Feedback) voteKey() string {
	if f.User == "" || f.AnswerID == "" && f.MessageTS == "" {
		return ""
	}
	return f.answerKey() + "|" + f.User
}

// ErrAlreadyRated is Record's answer to a second vote by one user on one answer.
var ErrAlreadyRated = errors.New("this user already rated this answer")

// FeedbackStore appends feedback to a JSONL file: one JSON object a line, easy to grep,
// to stream into training scripts, and to append to without rewriting.
type FeedbackStore struct {
	mu   sync.Mutex
	path string
	// voted holds answer key + "|" + user for every vote recorded; tally the votes per
	// answer ([helpful, not helpful]). Both are read back from the file on open, so a
	// restart does not let anyone vote twice.
	voted map[string]bool
	tally map[string][2]int
}

// OpenFeedbackStore returns a store writing to path, creating its folder, with the votes
// already in the file counted. A torn last line (a process killed in the middle of a
// write) is cut off first, so that the next record starts on a line of its own instead of
// being glued to it and lost.
func OpenFeedbackStore(path string) (*FeedbackStore, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("feedback store: %w", err)
	}
	if err := cutTornLine(path); err != nil {
		return nil, fmt.Errorf("feedback store: %w", err)
	}
	s := &FeedbackStore{path: path, voted: map[string]bool{}, tally: map[string][2]int{}}
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("feedback store: %w", err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var f Feedback
		if json.Unmarshal(sc.Bytes(), &f) == nil {
			s.count(f)
		}
	}
	return s, nil
}

// count adds f to the votes; callers hold s.mu (or own s).
func (s *FeedbackStore) count(f Feedback) {
	key := f.answerKey()
	if v := f.voteKey(); v != "" {
		s.voted[v] = true
	}
	t := s.tally[key]
	if f.Rating == "helpful" {
		t[0]++
	} else {
		t[1]++
	}
	s.tally[key] = t
}

// Tally returns an answer's helpful and not-helpful votes.
func (s *FeedbackStore) Tally(answerID string) (helpful, notHelpful int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tally[answerID]
	return t[0], t[1]
}

// cutTornLine truncates path after its last newline, when it does not end with one.
func cutTornLine(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	end := st.Size()
	buf := make([]byte, 64<<10)
	for end > 0 {
		n := int64(len(buf))
		if n > end {
			n = end
		}
		if _, err := f.ReadAt(buf[:n], end-n); err != nil {
			return err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			end = end - n + int64(i) + 1
			break
		}
		end -= n
	}
	if end == st.Size() {
		return nil
	}
	return f.Truncate(end)
}

// Path is the JSONL file's location.
func (s *FeedbackStore) Path() string { return s.path }

// Record appends one feedback line. Each line is written with a single write on a file
// opened for appending, so a crash leaves at worst one truncated last line.
func (s *FeedbackStore) Record(f Feedback) error {
	line, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode feedback: %w", err)
	}
	line = append(line, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := f.voteKey(); v != "" && s.voted[v] {
		return ErrAlreadyRated
	}
	file, err := os.OpenFile(s.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open feedback file: %w", err)
	}
	if _, err := file.Write(line); err != nil {
		_ = file.Close()
		return fmt.Errorf("write feedback: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("close feedback file: %w", err)
	}
	s.count(f)
	return nil
}

// Export writes every recorded feedback to w as JSONL, skipping lines that do not parse
// (a torn last line after a crash), and returns how many it wrote. A store with no file
// yet exports nothing.
func (s *FeedbackStore) Export(w io.Writer) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	file, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open feedback file: %w", err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		var f Feedback
		if json.Unmarshal(sc.Bytes(), &f) != nil {
			continue
		}
		line, err := json.Marshal(f)
		if err != nil {
			return n, fmt.Errorf("encode feedback: %w", err)
		}
		if _, err := w.Write(append(line, '\n')); err != nil {
			return n, fmt.Errorf("write export: %w", err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("read feedback file: %w", err)
	}
	return n, nil
}
