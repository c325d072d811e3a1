package configs

import "time"

// defaults lists every key with its default. Viper only lets MANUALBOT_* env vars reach
// Unmarshal for keys it knows, so every key must be here, even the empty ones.
func defaults() map[string]any {
	return map[string]any{
		"data_dir":   "./data",
		"log_level":  "info",
		"log_format": "auto",

		"index.path": "",

		"ingest.sources":        []string{},
		"ingest.product":        "",
		"ingest.version":        "",
		"ingest.chunk_size":     1200,
		"ingest.chunk_overlap":  150,
		"ingest.max_file_bytes": int64(64 << 20),

		"retrieval.k":             5,
		"retrieval.fuzziness":     1,
		"retrieval.min_score":     0.0,
		"retrieval.min_relevance": 0.0,

		"model.path":               "",
		"model.backend":            "go",
		"model.max_tokens":         256,
		"model.temperature":        0.0,
		"model.top_p":              1.0,
		"model.seed":               int64(0),
		"model.repetition_penalty": 1.1,
		"model.system_prompt":      "",
		"model.endpoint":           "",
		"model.api_key":            "",
		"model.api_key_file":       "",
		"model.remote_model":       "",
		"model.engine":             "openai",
		"model.engine_adapter":     "",
		"model.max_lora_rank":      0,
		"model.timeout":            60 * time.Second,
		"model.idle_timeout":       60 * time.Second,
		"model.retries":            2,
		"model.max_batch":          8,
		"model.max_queue":          256,
		"model.prefill_chunk":      256,

		"adapters.dirs":        []string{},
		"adapters.domain":      []string{},
		"adapters.qa":          "",
		"adapters.method":      "cat",
		"adapters.weights":     []float64{},
		"adapters.fused":       false,
		"adapters.composition": "",

		"slack.mode":                "socket",
		"slack.bot_token":           "",
		"slack.bot_token_file":      "",
		"slack.app_token":           "",
		"slack.app_token_file":      "",
		"slack.signing_secret":      "",
		"slack.signing_secret_file": "",
		"slack.listen":              ":3000",
		"slack.api_url":             "https://slack.com/api/",
		"slack.admins":              []string{},
		"slack.metrics_listen":      "127.0.0.1:9090",
		"slack.user_rate_limit":     10,
		"slack.update_interval":     time.Second,
		"slack.shutdown_timeout":    30 * time.Second,
		"slack.connect_timeout":     5 * time.Minute,
		"slack.history_turns":       10,
		"slack.channel_products":    map[string]string{},
		"slack.answer_timeout":      3 * time.Minute,
		"slack.max_concurrent":      0,
		"slack.queue_size":          50,
		"slack.uncited":             "mark",
		"slack.streaming":           "native",
		"slack.plain_channels":      []string{},
		"slack.allow_channels":      []string{},
		"slack.deny_channels":       []string{},
		"slack.suggested_prompts":   []string{},
	}
}
