package bot

import (
	"context"
	"fmt"
	"log"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// runSocket serves over Socket Mode until ctx is cancelled: slack-go keeps the websocket
// (apps.connections.open, pings, reconnects on Slack's `disconnect`). A request is
// acknowledged once its work is taken on (the handlers only queue it, well within Slack's
// 3 s): acknowledged first, a request arriving as the bot shuts down was lost, since
// Slack does not redeliver what was acknowledged and the draining bot takes no new work.
func (b *Bot) runSocket(ctx context.Context) error {
	client := socketmode.New(b.api,
		socketmode.OptionLog(log.New(slogWriter{b.log}, "", 0)),
	)
	h := socketmode.NewSocketmodeHandler(client)
	// /healthz follows the websocket: down from an attempt to open a new one until it is
	// established (socketHealth orders the events, which arrive concurrently).
	var health socketHealth
	h.Handle(socketmode.EventTypeConnecting, func(evt *socketmode.Event, _ *socketmode.Client) {
		if e, ok := evt.Data.(*slack.ConnectingEvent); ok {
			b.connected.Store(health.connecting(e.ConnectionCount))
		}
		b.log.Info("connecting to Slack (Socket Mode)")
	})
	h.Handle(socketmode.EventTypeConnected, func(evt *socketmode.Event, _ *socketmode.Client) {
		if e, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
			b.connected.Store(health.established(e.ConnectionCount))
		}
		b.log.Info("connected to Slack (Socket Mode)")
	})
	h.Handle(socketmode.EventTypeConnectionError, func(evt *socketmode.Event, _ *socketmode.Client) {
		b.log.Warn("Socket Mode connection error; retrying", "detail", fmt.Sprint(evt.Data))
	})
	h.Handle(socketmode.EventTypeInvalidAuth, func(*socketmode.Event, *socketmode.Client) {
		b.connected.Store(false)
		b.log.Error("Slack refused the app token (slack.app_token needs connections:write)")
	})
	h.Handle(socketmode.EventTypeHello, func(*socketmode.Event, *socketmode.Client) {})
	h.Handle(socketmode.EventTypeDisconnect, func(*socketmode.Event, *socketmode.Client) {
		b.log.Info("Slack asked to reconnect")
	})
	h.Handle(socketmode.EventTypeEventsAPI, func(evt *socketmode.Event, c *socketmode.Client) {
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			b.onEventsAPI(ev)
		}
		b.ack(c, evt)
	})
	h.Handle(socketmode.EventTypeSlashCommand, func(evt *socketmode.Event, c *socketmode.Client) {
		if sc, ok := evt.Data.(slack.SlashCommand); ok {
			b.onSlashCommand(sc)
		}
		b.ack(c, evt)
	})
	h.Handle(socketmode.EventTypeInteractive, func(evt *socketmode.Event, c *socketmode.Client) {
		if cb, ok := evt.Data.(slack.InteractionCallback); ok {
			b.onInteraction(cb)
		}
		b.ack(c, evt)
	})
	h.HandleDefault(func(evt *socketmode.Event, c *socketmode.Client) {
		b.log.Debug("socket mode event ignored", "type", evt.Type)
		b.ack(c, evt)
	})
	err := h.RunEventLoopContext(ctx)
	b.stopping.Store(true)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("socket mode: %w", err)
}

// ack acknowledges a Socket Mode request; Slack redelivers unacknowledged ones.
func (b *Bot) ack(c *socketmode.Client, evt *socketmode.Event) {
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return
	}
	if err := c.Ack(*evt.Request); err != nil {
		b.log.Warn("socket mode ack failed", "err", err)
	}
}

// slogWriter routes slack-go's standard-library logger into slog at debug level.
type slogWriter struct {
	log interface{ Debug(string, ...any) }
}

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Debug(string(p), "component", "socketmode")
	return len(p), nil
}
