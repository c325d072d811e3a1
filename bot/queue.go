package bot

import (
	"context"
	"errors"
	"sync"
)

// ErrQueueFull is Queue.Enter's answer when as many questions wait as the queue holds.
var ErrQueueFull = errors.New("the answer queue is full")

// Queue admits questions to the answering pipeline: a bounded number answer at once and a
// bounded number wait, in order, told their place. The bot's own FIFO (newFIFO) is the
// default; an engine that batches requests itself (a continuous-batching scheduler) can
// stand in through Deps.Queue and report the places it knows.
type Queue interface {
	// Enter takes a place, or fails at once with ErrQueueFull. It never blocks.
	Enter() (Ticket, error)
}

// Ticket is one question's place in a Queue.
type Ticket interface {
	// Ahead is how many questions are ahead of this one now (0: it may start).
	Ahead() int
	// Wait blocks until the question may start, calling onAhead (never concurrently) each
	// time the number ahead differs from what was last reported (by Ahead or onAhead),
	// while it is above 0. It returns ctx's error if ctx ends first; the ticket must
	// still be released.
	Wait(ctx context.Context, onAhead func(ahead int)) error
	// Release gives the place up (after the answer, or after giving up waiting).
	Release()
}

// fifo is a first-come, first-served Queue: running answers at most at once, waiting
// questions at most queued.
type fifo struct {
	mu      sync.Mutex
	running int
	limit   int
	max     int
	waiting []*fifoTicket
	changed chan struct{} // closed and replaced whenever places move
}

func newFIFO(concurrency, queued int) *fifo {
	return &fifo{limit: max(concurrency, 1), max: max(queued, 0), changed: make(chan struct{})}
}

type fifoTicket struct {
	q        *fifo
	admitted bool
	released bool
	reported int // what Ahead last returned; -1 before
}

func (q *fifo) Enter() (Ticket, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	t := &fifoTicket{q: q, reported: -1}
	if q.running < q.limit && len(q.waiting) == 0 {
		q.running++
		t.admitted = true
		return t, nil
	}
	if len(q.waiting) >= q.max {
		return nil, ErrQueueFull
	}
	q.waiting = append(q.waiting, t)
	return t, nil
}

// aheadLocked counts the waiting questions before t, plus one for the running answers it
// waits on (a position of 0 means it runs). The running ones count as one slot's worth:
// what the asker wants is how many questions must finish first.
func (t *fifoTicket) aheadLocked() int {
	if t.admitted {
		return 0
	}
	for i, w := range t.q.waiting {
		if w == t {
			return i + 1
		}
	}
	return 0
}

func (t *fifoTicket) Ahead() int {
	t.q.mu.Lock()
	defer t.q.mu.Unlock()
	t.reported = t.aheadLocked()
	return t.reported
}

func (t *fifoTicket) Wait(ctx context.Context, onAhead func(int)) error {
	q := t.q
	for {
		q.mu.Lock()
		n, ch, last := t.aheadLocked(), q.changed, t.reported
		if n > 0 {
			t.reported = n
		}
		q.mu.Unlock()
		if n == 0 {
			return nil
		}
		// The place may have moved between Ahead and Wait: what the asker was shown counts.
		if n != last && onAhead != nil {
			onAhead(n)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (t *fifoTicket) Release() {
	q := t.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if t.released {
		return
	}
	t.released = true
	if t.admitted {
		q.running--
	} else {
		for i, w := range q.waiting {
			if w == t {
				q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
				break
			}
		}
	}
	for q.running < q.limit && len(q.waiting) > 0 {
		w := q.waiting[0]
		q.waiting = q.waiting[1:]
		w.admitted = true
		q.running++
	}
	close(q.changed)
	q.changed = make(chan struct{})
}
