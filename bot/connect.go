package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
)

// connect runs auth.test until Slack answers, retrying with exponential backoff (1 s
// doubling to 30 s) for up to Options.ConnectTimeout when Slack cannot be reached: a bot
// started before the network is up, or during a Slack outage, waits instead of exiting.
// Slack refusing the token is final at once: retrying cannot fix it.
func (b *Bot) connect(ctx context.Context) (*slack.AuthTestResponse, error) {
	deadline := time.Now().Add(b.opts.ConnectTimeout)
	delay := time.Second
	for attempt := 1; ; attempt++ {
		auth, err := b.api.AuthTestContext(ctx)
		if err == nil {
			if attempt > 1 {
				b.log.Info("slack reachable again", "attempts", attempt)
			}
			return auth, nil
		}
		var refused slack.SlackErrorResponse
		if errors.As(err, &refused) || ctx.Err() != nil {
			return nil, fmt.Errorf("slack auth.test (check slack.bot_token and slack.api_url): %w", err)
		}
		if time.Now().Add(delay).After(deadline) {
			return nil, fmt.Errorf("slack unreachable for %s (slack.connect_timeout), %d attempts: %w",
				b.opts.ConnectTimeout, attempt, err)
		}
		b.log.Warn("slack unreachable, retrying", "attempt", attempt, "retry_in", delay.String(),
			"gives_up_in", time.Until(deadline).Round(time.Second).String(), "err", err)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		delay = min(2*delay, 30*time.Second)
	}
}
