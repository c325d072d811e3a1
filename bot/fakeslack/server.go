// Package fakeslack is a fake Slack for tests: the Web API methods manualbot calls, file
// downloads, response_url endpoints and a Socket Mode websocket, on one loopback server
// built on slack-go's slacktest. Every call is recorded for assertions.
//
// It is a package of its own (not a _test file) so that end-to-end tests elsewhere, such
// as `manualbot serve`'s, can drive the bot against it too.
package fakeslack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// Identities the fake uses unless a test changes them before Start.
const (
	BotToken      = "xoxb-fake-bot-token"
	AppToken      = "xapp-fake-app-token"
	SigningSecret = "fake-signing-secret"
	BotUserID     = "UBOT"
	BotID         = "BBOT"
	TeamID        = "T0FAKE"
)

// Call is one request the fake received.
type Call struct {
	Method string // "chat.update", "files.download", "response", …
	Form   url.Values
	// Token is the credential the request carried (form token or Bearer header).
	Token string
	Body  []byte
	At    time.Time
}

// Message is a message in the fake workspace.
type Message struct {
	Channel  string          `json:"-"`
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	User     string          `json:"user,omitempty"`
	BotID    string          `json:"bot_id,omitempty"`
	Text     string          `json:"text"`
	Blocks   json.RawMessage `json:"blocks,omitempty"`
	Type     string          `json:"type"`
	// Updates counts chat.update calls on this message.
	Updates int `json:"-"`
	// Streaming is true between chat.startStream and chat.stopStream; Appends counts the
	// chat.appendStream calls.
	Streaming bool `json:"-"`
	Appends   int  `json:"-"`
}

// File is a file shared in the fake workspace.
type File struct {
	ID      string
	Name    string
	Content []byte
}

// Server is the fake Slack.
type Server struct {
	t   testing.TB
	sts *slacktest.Server

	mu       sync.Mutex
	changed  chan struct{}
	calls    []Call
	messages []*Message
	files    map[string]File
	groups   map[string][]string
	tsBase   int64
	tsSeq    int
	socket   *socketState
	// failures maps a method to the errors its next calls answer, oldest first.
	failures map[string][]string
	// refuseStreaming makes chat.startStream fail, like a workspace without it.
	refuseStreaming bool
	deleted         []Message
}

// New starts a fake Slack on a loopback port; it stops when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		t:        t,
		changed:  make(chan struct{}),
		files:    map[string]File{},
		groups:   map[string][]string{},
		tsBase:   time.Now().Unix(),
		socket:   newSocketState(),
		failures: map[string][]string{},
	}
	s.sts = slacktest.NewTestServer(s.bind)
	s.sts.Start()
	t.Cleanup(func() {
		s.socket.closeAll()
		s.sts.Stop()
	})
	return s
}

// bind registers the fake's handlers before slacktest's defaults, which they replace.
func (s *Server) bind(c slacktest.Customize) {
	c.Handle("/auth.test", s.api("auth.test", s.authTest))
	c.Handle("/chat.postMessage", s.api("chat.postMessage", s.postMessage))
	c.Handle("/chat.update", s.api("chat.update", s.updateMessage))
	c.Handle("/chat.delete", s.api("chat.delete", s.deleteMessage))
	c.Handle("/chat.startStream", s.api("chat.startStream", s.startStream))
	c.Handle("/chat.appendStream", s.api("chat.appendStream", s.appendStream))
	c.Handle("/chat.stopStream", s.api("chat.stopStream", s.stopStream))
	c.Handle("/assistant.threads.setStatus", s.api("assistant.threads.setStatus", ok))
	c.Handle("/assistant.threads.setSuggestedPrompts", s.api("assistant.threads.setSuggestedPrompts", ok))
	c.Handle("/assistant.threads.setTitle", s.api("assistant.threads.setTitle", ok))
	c.Handle("/conversations.replies", s.api("conversations.replies", s.replies))
	c.Handle("/files.info", s.api("files.info", s.fileInfo))
	c.Handle("/usergroups.users.list", s.api("usergroups.users.list", s.groupUsers))
	c.Handle("/apps.connections.open", s.connectionsOpen)
	c.Handle("/socket", s.serveSocket)
	c.Handle("/files-pri/", s.download)
	c.Handle("/response/", s.response)
}

// APIURL is the base to give the bot as slack.api_url.
func (s *Server) APIURL() string { return s.sts.GetAPIURL() }

// ResponseURL is a response_url for slash commands and interactions; its posts are
// recorded as calls named "response" with the id in Form["id"].
func (s *Server) ResponseURL(id string) string { return s.APIURL() + "response/" + id }

// NextTS returns a fresh, increasing message timestamp.
func (s *Server) NextTS() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextTSLocked()
}

func (s *Server) nextTSLocked() string {
	s.tsSeq++
	return fmt.Sprintf("%d.%06d", s.tsBase, s.tsSeq)
}

// UserMessage stores a person's message (so conversations.replies returns it) and
// returns its ts, for building the event that announces it.
func (s *Server) UserMessage(channel, user, text, threadTS string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{Type: "message", Channel: channel, TS: s.nextTSLocked(), ThreadTS: threadTS, User: user, Text: text}
	s.messages = append(s.messages, m)
	s.notifyLocked()
	return m.TS
}

// BotMessage stores a message as if the bot had posted it (an earlier answer in a
// thread, for conversations.replies) and returns its ts.
func (s *Server) BotMessage(channel, text, threadTS string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{Type: "message", Channel: channel, TS: s.nextTSLocked(), ThreadTS: threadTS, User: BotUserID, BotID: BotID, Text: text}
	s.messages = append(s.messages, m)
	s.notifyLocked()
	return m.TS
}

// AddFile makes a file downloadable at the URL files.info reports for it.
func (s *Server) AddFile(f File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[f.ID] = f
}

// FileURL is where a file's private download lives on the fake.
func (s *Server) FileURL(id, name string) string {
	return s.APIURL() + "files-pri/" + TeamID + "-" + id + "/" + url.PathEscape(name)
}

// SetGroup sets a user group's members for usergroups.users.list.
func (s *Server) SetGroup(id string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = users
}

// Calls returns the recorded calls to method ("" for all), oldest first.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns copies of a channel's messages in ts order.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Channel == channel {
			out = append(out, *m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TS < out[j].TS })
	return out
}

// BotMessages returns the bot's messages in a channel's thread, in ts order.
func (s *Server) BotMessages(channel, threadTS string) []Message {
	var out []Message
	for _, m := range s.Messages(channel) {
		if m.User == BotUserID && m.ThreadTS == threadTS {
			out = append(out, m)
		}
	}
	return out
}

// WaitFor waits until cond holds (checked after every recorded change) or fails the
// test after timeout. The timeout is a safety net for hangs, not a latency assertion.
func (s *Server) WaitFor(timeout time.Duration, what string, cond func() bool) {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.t.Fatalf("fakeslack: timed out after %s waiting for %s", timeout, what)
		}
	}
}

// notifyLocked wakes WaitFor; callers hold s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
}

// api wraps a Web API method: it parses the form, records the call, checks the bot
// token like Slack does (ok:false, invalid_auth) and writes the handler's JSON.
func (s *Server) api(method string, h func(form url.Values) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tok := r.Form.Get("token")
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tok = b
		}
		s.record(Call{Method: method, Form: r.Form, Token: tok, At: time.Now()})
		w.Header().Set("Content-Type", "application/json")
		if tok != BotToken {
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		if e := s.takeFailure(method); e != "" {
			if code, err := strconv.Atoi(e); err == nil {
				http.Error(w, http.StatusText(code), code)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": e})
			return
		}
		_ = json.NewEncoder(w).Encode(h(r.Form))
	}
}

func (s *Server) authTest(url.Values) any {
	return map[string]any{"ok": true, "url": "https://fake.slack.test/", "team": "Fake", "user": "manualbot",
		"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID}
}

func (s *Server) postMessage(f url.Values) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{Type: "message", Channel: f.Get("channel"), TS: s.nextTSLocked(), ThreadTS: f.Get("thread_ts"),
		User: BotUserID, BotID: BotID, Text: f.Get("text")}
	if b := f.Get("blocks"); b != "" {
		m.Blocks = json.RawMessage(b)
	}
	s.messages = append(s.messages, m)
	s.notifyLocked()
	return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "message": m}
}

func (s *Server) updateMessage(f url.Values) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages {
		if m.Channel == f.Get("channel") && m.TS == f.Get("ts") {
			m.Text = f.Get("text")
			if b, ok := f["blocks"]; ok {
				m.Blocks = json.RawMessage(b[0])
			}
			m.Updates++
			s.notifyLocked()
			return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text}
		}
	}
	return map[string]any{"ok": false, "error": "message_not_found"}
}

func (s *Server) replies(f url.Values) any {
	thread := f.Get("ts")
	var out []Message
	for _, m := range s.Messages(f.Get("channel")) {
		if m.TS == thread || m.ThreadTS == thread {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return map[string]any{"ok": false, "error": "thread_not_found"}
	}
	// Pages of `limit` messages, the cursor being the next index, as a long thread needs.
	start, _ := strconv.Atoi(f.Get("cursor"))
	limit, _ := strconv.Atoi(f.Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	start = min(start, len(out))
	end := min(start+limit, len(out))
	resp := map[string]any{"ok": true, "messages": out[start:end], "has_more": end < len(out)}
	if end < len(out) {
		resp["response_metadata"] = map[string]any{"next_cursor": strconv.Itoa(end)}
	}
	return resp
}

func (s *Server) fileInfo(f url.Values) any {
	s.mu.Lock()
	file, ok := s.files[f.Get("file")]
	s.mu.Unlock()
	if !ok {
		return map[string]any{"ok": false, "error": "file_not_found"}
	}
	return map[string]any{"ok": true, "file": map[string]any{
		"id": file.ID, "name": file.Name, "title": file.Name, "size": len(file.Content),
		"url_private": s.FileURL(file.ID, file.Name), "url_private_download": s.FileURL(file.ID, file.Name) + "?download=1",
	}}
}

func (s *Server) groupUsers(f url.Values) any {
	s.mu.Lock()
	users, ok := s.groups[f.Get("usergroup")]
	s.mu.Unlock()
	if !ok {
		return map[string]any{"ok": false, "error": "no_such_subteam"}
	}
	return map[string]any{"ok": true, "users": slices.Clone(users)}
}

// download serves /files-pri/T-ID/NAME to the bot token only, like Slack (which would
// redirect anyone else to a sign-in page).
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.record(Call{Method: "files.download", Form: url.Values{"path": {r.URL.Path}}, Token: tok, At: time.Now()})
	if tok != BotToken {
		http.Error(w, "not signed in", http.StatusForbidden)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/files-pri/"+TeamID+"-")
	id, _, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	file, ok := s.files[id]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(file.Content)
}

// response records posts to a response_url.
func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	s.record(Call{Method: "response", Form: url.Values{"id": {id}}, Body: body, At: time.Now()})
	_, _ = w.Write([]byte("ok"))
}

// ResponseTexts returns the texts posted to response_url id, oldest first.
func (s *Server) ResponseTexts(id string) []string {
	var out []string
	for _, c := range s.Calls("response") {
		if c.Form.Get("id") != id {
			continue
		}
		var m struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal(c.Body, &m)
		out = append(out, m.Text)
	}
	return out
}

// Fail makes the next len(errs) calls to method answer ok:false with those errors, in
// order (e.g. Fail("chat.update", "message_not_found")); an error that is a number ("503")
// is answered as that HTTP status instead, as an overloaded Slack or a proxy does.
func (s *Server) Fail(method string, errs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], errs...)
}

func (s *Server) takeFailure(method string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failures[method]
	if len(q) == 0 {
		return ""
	}
	s.failures[method] = q[1:]
	return q[0]
}

// RefuseStreaming makes this workspace refuse chat.startStream, as one where the app's
// streaming is not enabled does.
func (s *Server) RefuseStreaming() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseStreaming = true
}

// StreamRefusal is the error a refusing workspace answers chat.startStream with.
const StreamRefusal = "feature_not_enabled"

func ok(url.Values) any { return map[string]any{"ok": true} }

func (s *Server) findLocked(channel, ts string) *Message {
	for _, m := range s.messages {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}

func (s *Server) deleteMessage(f url.Values) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, m := range s.messages {
		if m.Channel == f.Get("channel") && m.TS == f.Get("ts") {
			s.deleted = append(s.deleted, *m)
			s.messages = append(s.messages[:i], s.messages[i+1:]...)
			s.notifyLocked()
			return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS}
		}
	}
	return map[string]any{"ok": false, "error": "message_not_found"}
}

// Deleted returns the messages chat.delete removed, oldest first.
func (s *Server) Deleted() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deleted)
}

// startStream opens a streaming message in a thread. Like Slack it needs thread_ts, and
// outside DMs the recipient's user and team.
func (s *Server) startStream(f url.Values) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuseStreaming {
		return map[string]any{"ok": false, "error": StreamRefusal}
	}
	ch := f.Get("channel")
	if f.Get("thread_ts") == "" {
		return map[string]any{"ok": false, "error": "missing_thread_ts"}
	}
	if !strings.HasPrefix(ch, "D") && (f.Get("recipient_user_id") == "" || f.Get("recipient_team_id") == "") {
		return map[string]any{"ok": false, "error": "missing_recipient"}
	}
	m := &Message{Type: "message", Channel: ch, TS: s.nextTSLocked(), ThreadTS: f.Get("thread_ts"),
		User: BotUserID, BotID: BotID, Text: f.Get("markdown_text"), Streaming: true}
	s.messages = append(s.messages, m)
	s.notifyLocked()
	return map[string]any{"ok": true, "channel": ch, "ts": m.TS}
}

func (s *Server) appendStream(f url.Values) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(f.Get("channel"), f.Get("ts"))
	if m == nil {
		return map[string]any{"ok": false, "error": "message_not_found"}
	}
	if !m.Streaming {
		return map[string]any{"ok": false, "error": "message_not_in_streaming_state"}
	}
	m.Text += f.Get("markdown_text")
	m.Appends++
	s.notifyLocked()
	return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS}
}

func (s *Server) stopStream(f url.Values) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(f.Get("channel"), f.Get("ts"))
	if m == nil {
		return map[string]any{"ok": false, "error": "message_not_found"}
	}
	if !m.Streaming {
		return map[string]any{"ok": false, "error": "message_not_in_streaming_state"}
	}
	m.Text += f.Get("markdown_text")
	if b := f.Get("blocks"); b != "" {
		m.Blocks = json.RawMessage(b)
	}
	m.Streaming = false
	s.notifyLocked()
	return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS}
}
