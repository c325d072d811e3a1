package bot

import (
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"manualbot/configs"
)

// Options are the bot's settings, taken from the `slack` config section (see FromConfig)
// plus a few knobs the config does not expose.
type Options struct {
	// Mode is "socket" (Socket Mode, the default) or "http" (Events API).
	Mode          string
	BotToken      string
	AppToken      string
	SigningSecret string
	// Listen is the HTTP mode's address for POST /slack/events.
	Listen string
	// APIURL is Slack's Web API base; the bot token is sent to this host (and its files
	// host) only.
	APIURL string
	// Admins are user ids (U…, W…) and user-group ids (S…) allowed to run admin commands.
	Admins []string
	// MetricsListen serves /healthz and /metrics; empty turns them off.
	MetricsListen string
	// UserRateLimit is the most questions one user may ask per minute; 0 means no limit.
	UserRateLimit int
	// UpdateInterval is the least time between two chat.update calls on one answer;
	// Slack allows about one message write per second per channel.
	UpdateInterval time.Duration
	// ChannelProducts maps a channel id to the product its questions are about.
	ChannelProducts map[string]string
	// FeedbackPath is the JSONL file feedback is appended to.
	FeedbackPath string
	// MaxFileBytes caps files downloaded for `ingest`.
	MaxFileBytes int64
	// ShutdownTimeout bounds how long shutdown waits for answers in flight.
	ShutdownTimeout time.Duration
	// HistoryTurns caps the earlier thread turns given to a follow-up question.
	HistoryTurns int
	// AnswerTimeout bounds a question's whole wait, queue included; past it the asker is
	// told the answer could not be given in time.
	AnswerTimeout time.Duration
	// MaxConcurrent is how many answers are written at once across all users; the rest
	// wait in a queue told their place.
	MaxConcurrent int
	// QueueSize is how many questions may wait; past it a question is turned away politely.
	QueueSize int
	// Uncited is what happens to a generated answer that cites no passage: "mark" (the
	// default) says so under it, "decline" replaces it with a refusal.
	Uncited string
	// Streaming is "native" (chat.startStream, falling back to chat.update when the
	// workspace refuses; the default) or "update" (chat.update only).
	Streaming string
	// PlainChannels are channels where a question needs no @mention.
	PlainChannels []string
	// AllowChannels, when not empty, are the only channels the bot answers in (DMs are
	// always answered); DenyChannels are never answered in.
	AllowChannels, DenyChannels []string
	// SuggestedPrompts are offered when a user opens the bot's assistant pane.
	SuggestedPrompts []string
	// StatePath is where event ids are kept across restarts (ThreadsFile goes beside it);
	// empty keeps them in memory.
	StatePath string
	// ConnectTimeout is how long Run retries, with backoff, when Slack cannot be reached
	// at start; 0 means 5 minutes.
	ConnectTimeout time.Duration
}

// FeedbackFile is the feedback log's name inside the data dir.
const FeedbackFile = "feedback.jsonl"

// SeenFile keeps the ids of the events already taken, inside the data dir, so a retry
// Slack sends across a restart is not answered twice.
const SeenFile = "slack-seen.jsonl"

// ThreadsFile, beside SeenFile, keeps the threads the bot answered in (a week), so that a
// follow-up without a mention is still taken after a restart.
const ThreadsFile = "slack-threads.jsonl"

// concurrentAnswers is slack.max_concurrent, or when that is 0 the model's batch size
// (model.max_batch): the scheduler generates that many answers together, so the bot holds
// back only the questions beyond it, and those see their place in the bot's queue.
func concurrentAnswers(c *configs.Config) int {
	if c.Slack.MaxConcurrent > 0 {
		return c.Slack.MaxConcurrent
	}
	if c.Model.MaxBatch > 0 {
		return c.Model.MaxBatch
	}
	return 1
}

// FromConfig builds Options from the loaded config, with defaults for what it lacks.
func FromConfig(c *configs.Config) Options {
	s := c.Slack
	return Options{
		Mode:             s.Mode,
		BotToken:         s.BotToken,
		AppToken:         s.AppToken,
		SigningSecret:    s.SigningSecret,
		Listen:           s.Listen,
		APIURL:           s.APIURL,
		Admins:           s.Admins,
		MetricsListen:    s.MetricsListen,
		UserRateLimit:    s.UserRateLimit,
		UpdateInterval:   s.UpdateInterval,
		ChannelProducts:  s.ChannelProducts,
		ShutdownTimeout:  s.ShutdownTimeout,
		HistoryTurns:     s.HistoryTurns,
		AnswerTimeout:    s.AnswerTimeout,
		MaxConcurrent:    concurrentAnswers(c),
		QueueSize:        s.QueueSize,
		Uncited:          s.Uncited,
		Streaming:        s.Streaming,
		PlainChannels:    s.PlainChannels,
		AllowChannels:    s.AllowChannels,
		DenyChannels:     s.DenyChannels,
		SuggestedPrompts: s.SuggestedPrompts,
		StatePath:        filepath.Join(c.DataDir, SeenFile),
		FeedbackPath:     filepath.Join(c.DataDir, FeedbackFile),
		MaxFileBytes:     c.Ingest.MaxFileBytes,
		ConnectTimeout:   s.ConnectTimeout,
	}
}

func (o Options) withDefaults() Options {
	if o.Mode == "" {
		o.Mode = "socket"
	}
	if o.APIURL == "" {
		o.APIURL = "https://slack.com/api/"
	}
	if o.UpdateInterval <= 0 {
		o.UpdateInterval = time.Second
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 64 << 20
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	if o.HistoryTurns <= 0 {
		o.HistoryTurns = 10
	}
	if o.AnswerTimeout <= 0 {
		o.AnswerTimeout = 3 * time.Minute
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 1
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 50
	}
	if o.Uncited == "" {
		o.Uncited = "mark"
	}
	if o.Streaming == "" {
		o.Streaming = "native"
	}
	if len(o.SuggestedPrompts) == 0 {
		o.SuggestedPrompts = defaultPrompts
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Minute
	}
	return o
}

// Deps are the bot's collaborators. Answerer and Admin are required.
type Deps struct {
	Answerer Answerer
	Admin    Admin
	// Feedback records button clicks; nil opens Options.FeedbackPath.
	Feedback *FeedbackStore
	Log      *slog.Logger
	// HTTPClient makes Web API calls and file downloads; nil means a client with timeouts.
	HTTPClient *http.Client
	// Listener and MetricsListener, when set, are used instead of listening on
	// Options.Listen and Options.MetricsListen (tests pick free ports this way).
	Listener        net.Listener
	MetricsListener net.Listener
	// Queue admits questions; nil is a FIFO of Options.MaxConcurrent and QueueSize.
	Queue Queue
}

// defaultPrompts are the assistant pane's starter prompts when the config names none.
var defaultPrompts = []string{"How do I reset the device?", "What does this error code mean?", "How do I install the latest version?"}
