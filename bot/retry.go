package bot

import (
	"time"

	"github.com/slack-go/slack"
)

// slackRetry retries Web API calls that Slack refused for now: 429 after its Retry-After
// (a channel written too fast), 5xx and dropped connections with backoff (Slack's edge
// under load). slack-go's OptionRetry covers 429 only, and one 503 in the middle of an
// answer then lost the answer's final edit.
func slackRetry() slack.Option {
	cfg := slack.DefaultRetryConfig()
	// Four retries within about 1.5 s for 5xx and connection errors: a longer outage is
	// the caller's to wait out (connect at start logs each of its own retries).
	cfg.MaxRetries = 4
	cfg.BackoffInitial = 100 * time.Millisecond
	cfg.BackoffMax = 2 * time.Second
	cfg.Handlers = []slack.RetryHandler{
		slack.NewConnectionErrorRetryHandler(),
		slack.NewRateLimitErrorRetryHandler(cfg),
		slack.NewServerErrorRetryHandler(cfg),
	}
	return slack.OptionRetryConfig(cfg)
}
