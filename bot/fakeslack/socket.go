package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// PingInterval is how often the fake pings Socket Mode clients; slack-go drops a
// connection that goes unpinged for its ping interval (30 s by default).
const PingInterval = 200 * time.Millisecond

// socketState tracks Socket Mode connections and acknowledgements.
type socketState struct {
	mu     sync.Mutex
	conns  []*socketConn
	opened int
	acks   map[string]json.RawMessage
	seq    int
}

type socketConn struct {
	mu   sync.Mutex // gorilla allows one writer at a time
	ws   *websocket.Conn
	done chan struct{}
}

func (c *socketConn) writeJSON(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func newSocketState() *socketState {
	return &socketState{acks: map[string]json.RawMessage{}}
}

func (st *socketState) closeAll() {
	st.mu.Lock()
	conns := st.conns
	st.conns = nil
	st.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
}

// connectionsOpen answers apps.connections.open for the app token with the fake's
// websocket URL, as Slack does with wss://wss-primary.slack.com/link/…
func (s *Server) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.record(Call{Method: "apps.connections.open", Token: tok, At: time.Now()})
	w.Header().Set("Content-Type", "application/json")
	if tok != AppToken {
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	if e := s.takeFailure("apps.connections.open"); e != "" {
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": e})
		return
	}
	ws := "ws" + strings.TrimPrefix(s.APIURL(), "http") + "socket"
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": ws})
}

// serveSocket is the Socket Mode websocket: hello first, pings while open, and every
// client message recorded as an acknowledgement of its envelope.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &socketConn{ws: ws, done: make(chan struct{})}
	st := s.socket
	st.mu.Lock()
	st.opened++
	n := st.opened
	st.conns = append(st.conns, c)
	st.mu.Unlock()
	s.record(Call{Method: "socket.connect", At: time.Now()})

	_ = c.writeJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A0FAKE"}, "debug_info": map[string]any{"host": fmt.Sprintf("fake-%d", n)}})
	go func() {
		t := time.NewTicker(PingInterval)
		defer t.Stop()
		for {
			select {
			case <-c.done:
				return
			case <-t.C:
				c.mu.Lock()
				err := ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
				c.mu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}()
	defer func() {
		close(c.done)
		_ = ws.Close()
		st.mu.Lock()
		for i, cc := range st.conns {
			if cc == c {
				st.conns = append(st.conns[:i], st.conns[i+1:]...)
				break
			}
		}
		st.mu.Unlock()
		s.record(Call{Method: "socket.close", At: time.Now()})
	}()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		st.mu.Lock()
		st.acks[ack.EnvelopeID] = ack.Payload
		st.mu.Unlock()
		s.record(Call{Method: "socket.ack", Body: data, At: time.Now()})
	}
}

// current is the newest open connection.
func (st *socketState) current() *socketConn {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.conns) == 0 {
		return nil
	}
	return st.conns[len(st.conns)-1]
}

// WaitConnected waits for a Socket Mode client to be connected.
func (s *Server) WaitConnected(timeout time.Duration) {
	s.t.Helper()
	s.WaitFor(timeout, "a Socket Mode connection", func() bool { return s.socket.current() != nil })
}

// Envelope sends a Socket Mode request (type events_api, slash_commands or interactive)
// to the connected client and returns its envelope id.
func (s *Server) Envelope(typ string, payload any, retry int) string {
	s.t.Helper()
	c := s.socket.current()
	if c == nil {
		s.t.Fatalf("fakeslack: no Socket Mode client connected")
	}
	s.socket.mu.Lock()
	s.socket.seq++
	id := fmt.Sprintf("env-%d", s.socket.seq)
	s.socket.mu.Unlock()
	msg := map[string]any{"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": typ != "events_api", "retry_attempt": retry, "retry_reason": ""}
	if retry > 0 {
		msg["retry_reason"] = "timeout"
	}
	if err := c.writeJSON(msg); err != nil {
		s.t.Fatalf("fakeslack: send envelope: %v", err)
	}
	s.record(Call{Method: "socket.send", Form: map[string][]string{"envelope_id": {id}, "type": {typ}}, At: time.Now()})
	return id
}

// Acked reports whether the client acknowledged an envelope.
func (s *Server) Acked(envelopeID string) bool {
	s.socket.mu.Lock()
	defer s.socket.mu.Unlock()
	_, ok := s.socket.acks[envelopeID]
	return ok
}

// Disconnect asks the client to reconnect, as Slack does every few hours.
func (s *Server) Disconnect() {
	s.t.Helper()
	c := s.socket.current()
	if c == nil {
		s.t.Fatalf("fakeslack: no Socket Mode client connected")
	}
	_ = c.writeJSON(map[string]any{"type": "disconnect", "reason": "refresh_requested",
		"debug_info": map[string]any{"host": "fake"}})
}

// Connections counts websocket connections opened so far.
func (s *Server) Connections() int {
	s.socket.mu.Lock()
	defer s.socket.mu.Unlock()
	return s.socket.opened
}

// DropConnections closes every Socket Mode websocket without a word, as a network
// failure does; the client must notice and reconnect.
func (s *Server) DropConnections() {
	s.socket.closeAll()
}
