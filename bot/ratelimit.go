package bot

import (
	"sync"
	"time"
)

// userLimiter is a token bucket per user: each user may ask perMinute questions in a
// burst and earns them back evenly over a minute. It protects the model (one slow
// generation at a time is the norm on CPU) from one eager user.
type userLimiter struct {
	mu        sync.Mutex
	perMinute int
	now       func() time.Time
	buckets   map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newUserLimiter(perMinute int, now func() time.Time) *userLimiter {
	return &userLimiter{perMinute: perMinute, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token from user's bucket and reports whether there was one. A limit of
// zero allows everything.
func (l *userLimiter) allow(user string) bool {
	if l.perMinute <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	capacity := float64(l.perMinute)
	b, ok := l.buckets[user]
	if !ok {
		l.prune(now)
		b = &bucket{tokens: capacity, at: now}
		l.buckets[user] = b
	}
	b.tokens = min(capacity, b.tokens+now.Sub(b.at).Minutes()*capacity)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// prune forgets buckets that have refilled completely: they hold no state worth keeping,
// and dropping them bounds the map by the users active in the last minute.
func (l *userLimiter) prune(now time.Time) {
	for user, b := range l.buckets {
		if now.Sub(b.at) >= time.Minute {
			delete(l.buckets, user)
		}
	}
}
