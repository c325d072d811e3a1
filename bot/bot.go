package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
)

// Bot is the running Slack bot. Build it with New and run it with Run; one Bot serves one
// workspace installation.
type Bot struct {
	opts     Options
	log      *slog.Logger
	api      *slack.Client
	hc       *http.Client
	answerer Answerer
	admin    Admin
	feedback *FeedbackStore
	metrics  *metrics
	files    *downloader
	admins   *adminSet
	seen     *seenSet
	limiter  *userLimiter
	answers  *answerCache
	pace     *pacer
	deps     Deps
	started  time.Time
	stopping atomic.Bool
	queue    Queue
	// apiHealth counts failing Web API calls in a row, for /healthz.
	apiHealth *apiHealth
	// nativeRefused is when Slack last refused chat.startStream (unix ns; 0: never).
	nativeRefused atomic.Int64
	// connected is whether the Slack connection is up (Socket Mode's websocket; HTTP mode
	// once auth.test passed), for /healthz.
	connected atomic.Bool
	threads   *seenSet
	seenLog   *seenLog
	threadLog *seenLog

	// Set by Run once auth.test told us who we are; read-only afterwards.
	self identity
	work *inflight
}

// identity is the bot's own user and bot ids, to recognise its messages and mentions.
type identity struct {
	UserID, BotID, TeamID string
}

// New checks the options and builds a Bot; it does not contact Slack.
func New(opts Options, deps Deps) (*Bot, error) {
	opts = opts.withDefaults()
	if deps.Answerer == nil || deps.Admin == nil {
		return nil, errors.New("bot: an Answerer and an Admin are required")
	}
	if opts.BotToken == "" {
		return nil, errors.New("bot: slack.bot_token is required")
	}
	switch opts.Mode {
	case "socket":
		if opts.AppToken == "" {
			return nil, errors.New("bot: Socket Mode needs slack.app_token (xapp-…)")
		}
	case "http":
		if opts.SigningSecret == "" {
			return nil, errors.New("bot: HTTP mode needs slack.signing_secret")
		}
	default:
		return nil, fmt.Errorf("bot: mode %q is neither socket nor http", opts.Mode)
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc := deps.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	fb := deps.Feedback
	if fb == nil {
		if opts.FeedbackPath == "" {
			return nil, errors.New("bot: a feedback store or Options.FeedbackPath is required")
		}
		var err error
		if fb, err = OpenFeedbackStore(opts.FeedbackPath); err != nil {
			return nil, err
		}
	}
	apiHealth := &apiHealth{}
	hc = withAPIHealth(hc, apiHealth)
	files, err := newDownloader(opts.APIURL, opts.BotToken, opts.MaxFileBytes, hc)
	if err != nil {
		return nil, err
	}
	api := slack.New(opts.BotToken,
		slack.OptionAPIURL(opts.APIURL),
		slack.OptionAppLevelToken(opts.AppToken),
		slack.OptionHTTPClient(hc),
		slackRetry(),
	)
	b := &Bot{
		opts:      opts,
		log:       log,
		api:       api,
		hc:        hc,
		answerer:  deps.Answerer,
		admin:     deps.Admin,
		feedback:  fb,
		metrics:   newMetrics(),
		files:     files,
		seen:      newSeenSet(20000, 15*time.Minute, time.Now),
		limiter:   newUserLimiter(opts.UserRateLimit, time.Now),
		answers:   newAnswerCache(5000),
		pace:      newPacer(opts.UpdateInterval, time.Now),
		deps:      deps,
		apiHealth: apiHealth,
		queue:     deps.Queue,
		// Threads the bot answered in, for follow-ups without a mention; a thread older
		// than a week is usually done.
		threads: newSeenSet(50000, 7*24*time.Hour, time.Now),
	}
	if b.queue == nil {
		b.queue = newFIFO(opts.MaxConcurrent, opts.QueueSize)
	}
	if opts.StatePath != "" {
		if b.seenLog, err = openSeenLog(opts.StatePath, b.seen); err != nil {
			return nil, err
		}
		if b.threadLog, err = openSeenLog(filepath.Join(filepath.Dir(opts.StatePath), ThreadsFile), b.threads); err != nil {
			b.seenLog.close()
			return nil, err
		}
	}
	b.admins = newAdminSet(opts.Admins, b.groupMembers, 5*time.Minute, time.Now)
	return b, nil
}

// Run connects to Slack and serves until ctx is cancelled; then it stops taking events,
// lets answers in flight finish (up to Options.ShutdownTimeout) and returns. It returns
// early with an error when Slack refuses the tokens or an address cannot be listened on.
func (b *Bot) Run(ctx context.Context) error {
	b.started = time.Now()
	b.work = newInflight(ctx)
	// /healthz answers (503) while Slack is being reached, so an orchestrator sees why.
	stopMetrics, err := b.serveMetrics()
	if err != nil {
		return err
	}
	defer stopMetrics()
	auth, err := b.connect(ctx)
	if err != nil {
		return err
	}
	b.self = identity{UserID: auth.UserID, BotID: auth.BotID, TeamID: auth.TeamID}
	b.log.Info("connected to slack", "team", auth.Team, "bot_user", auth.UserID, "mode", b.opts.Mode)
	b.refreshAdapterGauge(ctx)
	if b.opts.Mode == "http" {
		// Slack comes to us; the Web API answered, which is all HTTP mode can know.
		b.connected.Store(true)
	}

	switch b.opts.Mode {
	case "http":
		err = b.runHTTP(ctx)
	default:
		err = b.runSocket(ctx)
	}
	b.stopping.Store(true)
	b.log.Info("draining answers in flight", "timeout", b.opts.ShutdownTimeout)
	if !b.work.drain(b.opts.ShutdownTimeout) {
		b.log.Warn("shutdown timeout: some answers were cut off")
	}
	if b.seenLog != nil {
		b.seenLog.close()
		b.threadLog.close()
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// serveMetrics starts /healthz and /metrics when configured and returns their stopper.
func (b *Bot) serveMetrics() (func(), error) {
	ln := b.deps.MetricsListener
	if ln == nil {
		if b.opts.MetricsListen == "" {
			return func() {}, nil
		}
		var err error
		if ln, err = net.Listen("tcp", b.opts.MetricsListen); err != nil {
			return nil, fmt.Errorf("metrics listen %s: %w", b.opts.MetricsListen, err)
		}
	}
	srv := &http.Server{Handler: b.metrics.healthHandler(b.health), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.log.Error("metrics server stopped", "err", err)
		}
	}()
	b.log.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// refreshAdapterGauge publishes the adapters in use, as Admin reports them.
func (b *Bot) refreshAdapterGauge(ctx context.Context) {
	st, err := b.admin.Status(ctx)
	if err != nil {
		b.log.Warn("could not read status for the adapter gauge", "err", err)
		return
	}
	b.metrics.setAdapters(st.Adapters)
}

// health is /healthz's verdict: serving needs the Slack connection up, the Web API
// answering, and no shutdown.
func (b *Bot) health() (bool, string) {
	switch {
	case b.stopping.Load():
		return false, "shutting down"
	case !b.connected.Load():
		return false, "not connected to Slack"
	case !b.apiHealth.healthy():
		return false, "Slack's Web API is failing"
	}
	return true, "ok"
}
