package remote

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// CompletionRequest is one streamed completion of an already rendered prompt.
type CompletionRequest struct {
	Prompt      string
	MaxTokens   int
	Temperature float64
	TopP        float64
	Seed        int64
	// RepetitionPenalty is sent to engines that take it (vLLM, LoRAX); 0 or 1 is off.
	RepetitionPenalty float64
	// AddSpecialTokens false asks vLLM not to add BOS again to a prompt whose chat
	// template wrote its own, so the engine's tokens are the ones counted locally.
	AddSpecialTokens bool
}

// Completion reports what the engine generated.
type Completion struct {
	Text             string
	PromptTokens     int
	CompletionTokens int
	FinishReason     string
	// Model is the name the request was made with (the served model or the adapter).
	Model string
	// Adapter names the adapter the answer was generated with ("" for none).
	Adapter string
}

// Complete streams a completion of req.Prompt to onText over server-sent events, on the
// adapter in use when it starts (a swap meanwhile does not affect it). It uses
// /v1/completions, not /v1/chat/completions: the prompt was rendered by the local chat
// template and counted by the local tokenizer, so the engine must take it as it is.
// Cancelling ctx closes the connection, which stops the engine's generation.
func (c *Client) Complete(ctx context.Context, req CompletionRequest, onText func(string) error) (Completion, error) {
	l := c.acquire()
	defer c.release(l)
	model, adapter := c.Model(), ""
	body := map[string]any{
		"prompt": req.Prompt, "max_tokens": req.MaxTokens, "temperature": req.Temperature,
		"stream": true, "stream_options": map[string]any{"include_usage": true},
	}
	if req.TopP > 0 && req.TopP < 1 {
		body["top_p"] = req.TopP
	}
	if req.Seed != 0 {
		body["seed"] = req.Seed
	}
	if l != nil {
		adapter = l.adapter.Name
	}
	switch c.opts.Engine {
	case VLLM:
		if l != nil {
			model = l.served
		}
		body["add_special_tokens"] = req.AddSpecialTokens
	case LoRAX:
		// LoRAX reads "model" as the adapter to load; "" is the base model.
		model = ""
		if l != nil {
			model = l.served
			body["adapter_source"] = "local"
		}
	}
	if c.opts.Engine != OpenAI && req.RepetitionPenalty > 1 {
		body["repetition_penalty"] = req.RepetitionPenalty
	}
	body["model"] = model
	out := Completion{Model: model, Adapter: adapter}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	resp, err := c.send(ctx, http.MethodPost, "/v1/completions", body)
	if err != nil {
		return out, c.streamErr(ctx, err)
	}
	defer resp.Body.Close()
	if err := c.readStream(ctx, cancel, resp, &out, onText); err != nil {
		return out, c.streamErr(ctx, err)
	}
	return out, nil
}

// errIdle is the cause of a stream cancelled for silence.
var errIdle = errors.New("stream idle")

// callerError is the caller's own onText failure, returned as it is.
type callerError struct{ err error }

func (e callerError) Error() string { return e.err.Error() }

func (c *Client) streamErr(ctx context.Context, err error) error {
	var ce callerError
	if errors.As(err, &ce) {
		return ce.err
	}
	if cause := context.Cause(ctx); errors.Is(cause, errIdle) {
		return c.fail(fmt.Errorf("POST /v1/completions: no token for %s (model.idle_timeout)", c.opts.IdleTimeout))
	}
	if ctx.Err() != nil && !errors.Is(err, ErrUnavailable) {
		return ctx.Err()
	}
	return c.fail(err)
}

// streamChunk is one event of a completions stream (choices[].text; usage in the last).
type streamChunk struct {
	Choices []struct {
		Text         string  `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// readStream reads "data: {...}" events until "data: [DONE]". A stream that ends without
// [DONE] or a finish reason was cut, and says so rather than pass half an answer off as whole.
func (c *Client) readStream(ctx context.Context, cancel context.CancelCauseFunc, resp *http.Response, out *Completion, onText func(string) error) error {
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("POST /v1/completions: expected a text/event-stream, got %q (%s): is this an OpenAI-compatible server?",
			ct, oneLine(string(b), 80))
	}
	idle := time.AfterFunc(c.opts.IdleTimeout, func() { cancel(errIdle) })
	defer idle.Stop()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var text strings.Builder
	done := false
	for sc.Scan() {
		idle.Reset(c.opts.IdleTimeout)
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue // comments (": ping"), event names, blank separators
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			done = true
			break
		}
		var ch streamChunk
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			return fmt.Errorf("POST /v1/completions: unreadable stream event %q", oneLine(data, 80))
		}
		if ch.Error != nil {
			return fmt.Errorf("POST /v1/completions: the engine failed mid-answer: %s", oneLine(ch.Error.Message, 200))
		}
		if ch.Usage != nil {
			out.PromptTokens, out.CompletionTokens = ch.Usage.PromptTokens, ch.Usage.CompletionTokens
		}
		for _, choice := range ch.Choices {
			if choice.Text != "" {
				text.WriteString(choice.Text)
				if err := onText(choice.Text); err != nil {
					return callerError{err}
				}
			}
			if choice.FinishReason != nil && *choice.FinishReason != "" {
				out.FinishReason = *choice.FinishReason
			}
		}
	}
	out.Text = text.String()
	if err := sc.Err(); err != nil && !done {
		return fmt.Errorf("POST /v1/completions: the stream broke after %d bytes: %w", text.Len(), err)
	}
	if !done && out.FinishReason == "" {
		return fmt.Errorf("POST /v1/completions: the stream ended after %d bytes without finishing the answer", text.Len())
	}
	return nil
}
