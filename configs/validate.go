package configs

import (
	"errors"
	"fmt"
	"strings"
)

// Validate reports every problem at once, each naming its key, so a user fixes the file
// in one pass.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	switch c.LogFormat {
	case "auto", "text", "json":
	default:
		bad("log_format", "%q is not one of auto, text, json", c.LogFormat)
	}
	if c.Ingest.ChunkSize < 100 {
		bad("ingest.chunk_size", "%d is below the minimum of 100", c.Ingest.ChunkSize)
	}
	if c.Ingest.ChunkOverlap < 0 || c.Ingest.ChunkOverlap >= c.Ingest.ChunkSize/2 {
		bad("ingest.chunk_overlap", "%d must be at least 0 and under half of chunk_size", c.Ingest.ChunkOverlap)
	}
	if c.Ingest.MaxFileBytes <= 0 {
		bad("ingest.max_file_bytes", "must be positive")
	}
	if c.Retrieval.K < 1 || c.Retrieval.K > 100 {
		bad("retrieval.k", "%d is not between 1 and 100", c.Retrieval.K)
	}
	if c.Retrieval.Fuzziness < 0 || c.Retrieval.Fuzziness > 2 {
		bad("retrieval.fuzziness", "%d is not between 0 and 2", c.Retrieval.Fuzziness)
	}
	if b := c.Model.Backend; b != "go" && !strings.HasPrefix(b, "xla:") {
		bad("model.backend", "%q is neither \"go\" nor \"xla:/path/to/pjrt_plugin.so\"", b)
	}
	if c.Model.MaxTokens < 1 {
		bad("model.max_tokens", "must be at least 1")
	}
	if c.Model.Temperature < 0 {
		bad("model.temperature", "must not be negative")
	}
	if c.Model.RepetitionPenalty < 1 {
		bad("model.repetition_penalty", "%g is below 1", c.Model.RepetitionPenalty)
	}
	if c.Model.MaxBatch < 1 {
		bad("model.max_batch", "must be at least 1")
	}
	if c.Model.MaxQueue < 1 {
		bad("model.max_queue", "must be at least 1")
	}
	if c.Model.PrefillChunk < 16 {
		bad("model.prefill_chunk", "%d is below 16", c.Model.PrefillChunk)
	}
	if c.Model.TopP <= 0 || c.Model.TopP > 1 {
		bad("model.top_p", "%g is not in (0, 1]", c.Model.TopP)
	}
	switch c.Model.Engine {
	case "vllm", "lorax", "openai":
	default:
		bad("model.engine", "%q is not one of vllm, lorax, openai", c.Model.Engine)
	}
	if c.Model.Endpoint != "" && c.Model.Path == "" {
		bad("model.path", "model.endpoint needs the served model's config.json, tokenizer.json and tokenizer_config.json in model.path")
	}
	if c.Model.EngineAdapter != "" && c.Model.Endpoint == "" {
		bad("model.engine_adapter", "needs model.endpoint (in-process answers use adapters.*)")
	}
	if c.Model.Retries < 0 || c.Model.MaxLoRARank < 0 || c.Model.Timeout < 0 || c.Model.IdleTimeout < 0 {
		bad("model", "retries, max_lora_rank, timeout and idle_timeout must not be negative")
	}
	switch c.Adapters.Method {
	case "cat", "linear", "ties", "dare_linear", "dare_ties", "svd":
	default:
		bad("adapters.method", "%q is not one of cat, linear, ties, dare_linear, dare_ties, svd", c.Adapters.Method)
	}
	switch c.Slack.Mode {
	case "socket", "http":
	default:
		bad("slack.mode", "%q is neither socket nor http", c.Slack.Mode)
	}
	if c.Slack.UserRateLimit < 0 {
		bad("slack.user_rate_limit", "must not be negative")
	}
	switch c.Slack.Uncited {
	case "", "mark", "decline":
	default:
		bad("slack.uncited", "%q is neither mark nor decline", c.Slack.Uncited)
	}
	switch c.Slack.Streaming {
	case "", "native", "update":
	default:
		bad("slack.streaming", "%q is neither native nor update", c.Slack.Streaming)
	}
	if c.Slack.MaxConcurrent < 0 || c.Slack.QueueSize < 0 || c.Slack.AnswerTimeout < 0 {
		bad("slack", "max_concurrent, queue_size and answer_timeout must not be negative")
	}
	if c.Slack.HistoryTurns < 0 || c.Slack.ShutdownTimeout < 0 || c.Slack.ConnectTimeout < 0 {
		bad("slack", "history_turns, shutdown_timeout and connect_timeout must not be negative")
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", errInvalid, errors.Join(errs...))
}

// ValidateForServe checks what only `serve` needs, so other commands run without Slack secrets.
func (c *Config) ValidateForServe() error {
	var missing []string
	if c.Slack.BotToken == "" {
		missing = append(missing, "slack.bot_token")
	}
	if c.Slack.Mode == "socket" && c.Slack.AppToken == "" {
		missing = append(missing, "slack.app_token (Socket Mode)")
	}
	if c.Slack.Mode == "http" && c.Slack.SigningSecret == "" {
		missing = append(missing, "slack.signing_secret (HTTP mode)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: serve needs %s", errInvalid, strings.Join(missing, ", "))
	}
	return nil
}
