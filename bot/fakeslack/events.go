package fakeslack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Callback wraps an inner event in the Events API's event_callback envelope.
func Callback(eventID string, inner map[string]any) map[string]any {
	return map[string]any{
		"token": "legacy-verification-token", "team_id": TeamID, "api_app_id": "A0FAKE",
		"type": "event_callback", "event_id": eventID, "event_time": time.Now().Unix(),
		"event": inner, "authorizations": []any{map[string]any{"team_id": TeamID, "user_id": BotUserID, "is_bot": true}},
	}
}

// Mention is an app_mention event; threadTS may be empty.
func Mention(channel, user, text, ts, threadTS string) map[string]any {
	m := map[string]any{"type": "app_mention", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts}
	if threadTS != "" {
		m["thread_ts"] = threadTS
	}
	return m
}

// DM is a message event in a direct message with the bot.
func DM(channel, user, text, ts, threadTS string) map[string]any {
	m := map[string]any{"type": "message", "channel": channel, "channel_type": "im", "user": user, "text": text, "ts": ts, "event_ts": ts}
	if threadTS != "" {
		m["thread_ts"] = threadTS
	}
	return m
}

// WithFiles attaches shared files to a message or mention event (subtype file_share),
// carrying only their ids and names as Slack does when file access must be checked.
func WithFiles(ev map[string]any, files ...File) map[string]any {
	var fs []map[string]any
	for _, f := range files {
		fs = append(fs, map[string]any{"id": f.ID, "name": f.Name, "file_access": "check_file_info"})
	}
	ev["files"] = fs
	if ev["type"] == "message" {
		ev["subtype"] = "file_share"
	}
	return ev
}

// SlashCommand is the form Slack posts for `/manualbot TEXT`.
func SlashCommand(user, channel, text, responseURL string) url.Values {
	return url.Values{
		"token": {"legacy"}, "team_id": {TeamID}, "team_domain": {"fake"}, "channel_id": {channel},
		"channel_name": {"general"}, "user_id": {user}, "user_name": {user}, "command": {"/manualbot"},
		"text": {text}, "response_url": {responseURL}, "trigger_id": {triggerID(responseURL)}, "api_app_id": {"A0FAKE"},
	}
}

// SlashPayload is the same command as a Socket Mode payload.
func SlashPayload(user, channel, text, responseURL string) map[string]any {
	return map[string]any{"team_id": TeamID, "channel_id": channel, "user_id": user, "command": "/manualbot",
		"text": text, "response_url": responseURL, "trigger_id": triggerID(responseURL), "api_app_id": "A0FAKE"}
}

// FeedbackClick is a block_actions payload for a click on one of an answer's buttons.
func FeedbackClick(user, channel string, msg Message, actionID, value, responseURL string) map[string]any {
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": TeamID},
		"channel": map[string]any{"id": channel}, "response_url": responseURL, "trigger_id": "trig",
		"message": map[string]any{"type": "message", "ts": msg.TS, "thread_ts": msg.ThreadTS, "text": msg.Text, "blocks": msg.Blocks},
		"actions": []any{map[string]any{"action_id": actionID, "block_id": "feedback", "value": value, "type": "button",
			"action_ts": strconv.FormatInt(time.Now().Unix(), 10)}},
	}
}

// Sign adds Slack's v0 signature headers for body at time at.
func Sign(h http.Header, secret string, body []byte, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

// EventRequest builds a signed Events API POST to url.
func EventRequest(url string, payload any, secret string, at time.Time) *http.Request {
	body, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	Sign(req.Header, secret, body, at)
	return req
}

// FormRequest builds a signed form POST (slash commands; interactivity as payload=JSON).
func FormRequest(url string, form url.Values, secret string, at time.Time) *http.Request {
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	Sign(req.Header, secret, []byte(body), at)
	return req
}

// InteractionForm wraps an interaction payload as Slack posts it.
func InteractionForm(payload any) url.Values {
	b, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	return url.Values{"payload": {string(b)}}
}

// triggerID is unique per command as Slack's are: one per response_url here. A retried
// delivery of the same command carries the same one.
func triggerID(responseURL string) string {
	return "trig-" + responseURL[strings.LastIndexByte(responseURL, '/')+1:]
}
