package bot

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The FIFO admits in order, tells each waiter its place (including a move that happened
// between Ahead and Wait), turns questions away when full, and a waiter that gives up
// frees its place.
func TestFIFO(t *testing.T) {
	q := newFIFO(1, 2)
	run, _ := q.Enter()
	a, _ := q.Enter()
	b, _ := q.Enter()
	if _, err := q.Enter(); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third waiter: %v, want ErrQueueFull", err)
	}
	if run.Ahead() != 0 || a.Ahead() != 1 || b.Ahead() != 2 {
		t.Fatalf("places %d %d %d, want 0 1 2", run.Ahead(), a.Ahead(), b.Ahead())
	}
	// b was shown 2; the queue moves before b waits: Wait reports 1 at once.
	run.Release()
	seen := make(chan int, 4)
	done := make(chan error, 1)
	go func() { done <- b.Wait(context.Background(), func(n int) { seen <- n }) }()
	if n := <-seen; n != 1 {
		t.Fatalf("b's first report %d, want 1", n)
	}
	if err := a.Wait(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	a.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A waiter whose context ends gives its place up.
	c, _ := q.Enter()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := c.Wait(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("c.Wait: %v", err)
	}
	c.Release()
	d, _ := q.Enter()
	if d.Ahead() != 1 {
		t.Errorf("after c gave up, d is %d ahead, want 1 (only b's running answer)", d.Ahead())
	}
	b.Release()
	if d.Ahead() != 0 {
		t.Errorf("d not admitted after b finished")
	}
}

// Socket Mode's connection events are handled concurrently; the connection count orders
// them: a late "connecting" for the live connection does not mark it down, a newer one does.
func TestSocketHealthOrder(t *testing.T) {
	var h socketHealth
	steps := []struct {
		event string
		count int
		want  bool
	}{
		{"established", 1, true},
		{"connecting", 1, true}, // late event of the connection now up
		{"connecting", 2, false},
		{"established", 1, false}, // a stale event of the old connection
		{"established", 2, true},
	}
	for i, s := range steps {
		var got bool
		if s.event == "connecting" {
			got = h.connecting(s.count)
		} else {
			got = h.established(s.count)
		}
		if got != s.want {
			t.Errorf("step %d (%s %d): up = %v, want %v", i, s.event, s.count, got, s.want)
		}
	}
}
