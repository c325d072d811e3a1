package bot

import (
	"container/list"
	"sync"
	"time"
)

// seenSet remembers keys (event ids, channel+ts) for a while so that Slack's retries and
// its double delivery of one message (as `message` and `app_mention`) are answered once.
// It is bounded both in size (oldest first out) and in age.
type seenSet struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // front is newest; values are seenEntry
	keys  map[string]*list.Element
}

type seenEntry struct {
	key string
	at  time.Time
}

func newSeenSet(max int, ttl time.Duration, now func() time.Time) *seenSet {
	return &seenSet{max: max, ttl: ttl, now: now, order: list.New(), keys: map[string]*list.Element{}}
}

// firstTime records key and reports whether it was not seen (within the TTL) before.
func (s *seenSet) firstTime(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	if _, ok := s.keys[key]; ok {
		return false
	}
	s.keys[key] = s.order.PushFront(seenEntry{key: key, at: now})
	for s.order.Len() > s.max {
		s.remove(s.order.Back())
	}
	return true
}

// expire drops entries older than the TTL; they sit at the back.
func (s *seenSet) expire(now time.Time) {
	for e := s.order.Back(); e != nil; e = s.order.Back() {
		if now.Sub(e.Value.(seenEntry).at) < s.ttl {
			return
		}
		s.remove(e)
	}
}

func (s *seenSet) remove(e *list.Element) {
	delete(s.keys, e.Value.(seenEntry).key)
	s.order.Remove(e)
}

func (s *seenSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

// has reports whether key was recorded (within the TTL), without recording it.
func (s *seenSet) has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(s.now())
	_, ok := s.keys[key]
	return ok
}

// restore re-adds a key seen at a given time (from the log), unless it has expired.
func (s *seenSet) restore(key string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.now().Sub(at) >= s.ttl {
		return
	}
	if _, ok := s.keys[key]; ok {
		return
	}
	s.keys[key] = s.order.PushFront(seenEntry{key: key, at: at})
	for s.order.Len() > s.max {
		s.remove(s.order.Back())
	}
}

// snapshot lists the live entries, oldest first.
func (s *seenSet) snapshot() []seenEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(s.now())
	out := make([]seenEntry, 0, s.order.Len())
	for e := s.order.Back(); e != nil; e = e.Prev() {
		out = append(out, e.Value.(seenEntry))
	}
	return out
}
