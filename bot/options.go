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
	// ConnectTimeout is how long Run retries, with backoff, when Slack cannot be reached
	// at start; 0 means 5 minutes.
	ConnectTimeout time.Duration
}

// FeedbackFile is the feedback log's name inside the data dir.
const FeedbackFile = "feedback.jsonl"

// FromConfig builds Options from the loaded config, with defaults for what it lacks.
func FromConfig(c *configs.Config) Options {
	s := c.Slack
	return Options{
		Mode:            s.Mode,
		BotToken:        s.BotToken,
		AppToken:        s.AppToken,
		SigningSecret:   s.SigningSecret,
		Listen:          s.Listen,
		APIURL:          s.APIURL,
		Admins:          s.Admins,
		MetricsListen:   s.MetricsListen,
		UserRateLimit:   s.UserRateLimit,
		UpdateInterval:  s.UpdateInterval,
		ChannelProducts: s.ChannelProducts,
		ShutdownTimeout: s.ShutdownTimeout,
		HistoryTurns:    s.HistoryTurns,
		ConnectTimeout:  s.ConnectTimeout,
		FeedbackPath:    filepath.Join(c.DataDir, FeedbackFile),
		MaxFileBytes:    c.Ingest.MaxFileBytes,
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
}
