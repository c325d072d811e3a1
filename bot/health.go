package bot

import "sync"

// socketHealth follows the Socket Mode connection for /healthz. slack-go runs each event
// handler in its own goroutine, so "connecting" and "connected" can be handled out of
// order; the connection count they carry puts them back in order: a connection is down
// from the attempt that opens a newer one until that one is connected.
type socketHealth struct {
	mu         sync.Mutex
	connected  int // count of the newest connection established
	attempting int // count of the newest connection attempted
	up         bool
}

func (h *socketHealth) connecting(count int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.attempting = max(h.attempting, count)
	if count > h.connected {
		h.up = false
	}
	return h.up
}

func (h *socketHealth) established(count int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if count >= h.connected && count >= h.attempting {
		h.connected, h.up = count, true
	}
	return h.up
}
