// Package configs holds manualbot's typed configuration: one struct, its defaults,
// the precedence flag > MANUALBOT_* env > file > default, and validation.
package configs

import (
	"time"
)

// Config is the whole configuration. It is immutable once loaded: a reload builds a new
// value and publishes it, so readers never see a half-updated config.
type Config struct {
	// DataDir holds everything the commands write: the index, the ingest manifest, feedback.
	DataDir string `mapstructure:"data_dir"`
	// LogLevel is one of debug, info, warn, error.
	LogLevel string `mapstructure:"log_level"`
	// LogFormat is text, json, or auto (json when stderr is not a terminal).
	LogFormat string `mapstructure:"log_format"`

	Index     Index     `mapstructure:"index"`
	Ingest    Ingest    `mapstructure:"ingest"`
	Retrieval Retrieval `mapstructure:"retrieval"`
	Model     Model     `mapstructure:"model"`
	Adapters  Adapters  `mapstructure:"adapters"`
	Slack     Slack     `mapstructure:"slack"`
}

// Index configures the Bleve index.
type Index struct {
	// Path of the index; empty means DATA_DIR/index.
	Path string `mapstructure:"path"`
}

// Ingest configures what is ingested and how it is cut into chunks.
type Ingest struct {
	// Sources are files or folders ingested when `manualbot ingest` gets no path.
	Sources []string `mapstructure:"sources"`
	// Product and Version label every chunk of an ingest unless flags override them.
	Product string `mapstructure:"product"`
	Version string `mapstructure:"version"`
	// ChunkSize is the target chunk size in characters (about 4 characters a token).
	ChunkSize int `mapstructure:"chunk_size"`
	// ChunkOverlap is how many characters of a chunk's end start the next one.
	ChunkOverlap int `mapstructure:"chunk_overlap"`
	// MaxFileBytes skips files larger than this (they are almost never manuals).
	MaxFileBytes int64 `mapstructure:"max_file_bytes"`
}

// Retrieval configures search for answers.
type Retrieval struct {
	// K is how many passages a search or an answer uses.
	K int `mapstructure:"k"`
	// Fuzziness is the most edits allowed for a typo in a query word (0 turns it off, at
	// most 2); short words get fewer (index.bodyQuery).
	Fuzziness int `mapstructure:"fuzziness"`
	// MinScore drops passages scoring below it; an answer with none left says so.
	MinScore float64 `mapstructure:"min_score"`
	// MinRelevance is the "not in the manuals" rule (index.Relevant): one of the first
	// three passages must hold at least this weighted share of the question's informative
	// words (0..1), else the answer refuses and cites nothing. 0 means the calibrated
	// default (index.DefaultMinRelevance), negative turns it off.
	MinRelevance float64 `mapstructure:"min_relevance"`
}

// Model configures the answering model. An empty Path means retrieval-only mode.
type Model struct {
	// Path is a local Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json).
	Path string `mapstructure:"path"`
	// Backend is "go" (pure Go, CPU) or "xla:/abs/path/to/pjrt_plugin.so" (GPU).
	Backend string `mapstructure:"backend"`
	// MaxTokens caps the generated tokens of one answer.
	MaxTokens int `mapstructure:"max_tokens"`
	// Temperature 0 means greedy decoding.
	Temperature float64 `mapstructure:"temperature"`
	// TopP is nucleus sampling's probability mass (1 turns it off).
	TopP float64 `mapstructure:"top_p"`
	// RepetitionPenalty > 1 discourages repeating tokens (1 turns it off, as in HF).
	RepetitionPenalty float64 `mapstructure:"repetition_penalty"`
	// Seed makes sampling repeatable.
	Seed int64 `mapstructure:"seed"`
	// SystemPrompt replaces the built-in answering rules when set.
	SystemPrompt string `mapstructure:"system_prompt"`

	// Endpoint is an OpenAI-compatible serving engine's base URL (e.g.
	// http://vllm:8000/v1); set, answers are generated there and Path needs only
	// config.json, tokenizer.json and tokenizer_config.json (the prompt is counted locally).
	Endpoint string `mapstructure:"endpoint"`
	// APIKey (or APIKeyFile) is sent as a bearer token to the engine.
	APIKey     string `mapstructure:"api_key"`
	APIKeyFile string `mapstructure:"api_key_file"`
	// RemoteModel is the served model's name; empty means the only one the engine lists.
	RemoteModel string `mapstructure:"remote_model"`
	// Engine is vllm, lorax or openai (any other OpenAI-compatible server, no adapters).
	Engine string `mapstructure:"engine"`
	// EngineAdapter is an exported PEFT adapter folder (e.g. a CAT composition written by
	// `adapters merge --method cat --out DIR`) answers use on the engine; the engine must
	// read it at the same path.
	EngineAdapter string `mapstructure:"engine_adapter"`
	// MaxLoRARank is the engine's --max-lora-rank when known, to refuse larger adapters early.
	MaxLoRARank int `mapstructure:"max_lora_rank"`
	// Timeout bounds the wait for the engine's response headers; IdleTimeout the gap
	// between streamed tokens; Retries how often a 429/502/503/504 or refused connection
	// is tried again before any text arrived.
	Timeout     time.Duration `mapstructure:"timeout"`
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
	Retries     int           `mapstructure:"retries"`
	// MaxBatch is how many answers generate together (continuous batching); more queue.
	MaxBatch int `mapstructure:"max_batch"`
	// MaxQueue is how many answers may wait for a batch slot before new ones are refused.
	MaxQueue int `mapstructure:"max_queue"`
	// PrefillChunk is how many prompt tokens a new answer's prefill advances between two
	// decode steps of the answers already streaming.
	PrefillChunk int `mapstructure:"prefill_chunk"`
}

// Adapters configures the LoRA adapters and how they are merged.
type Adapters struct {
	// Dirs are folders scanned for PEFT adapters (one sub-folder per adapter).
	Dirs []string `mapstructure:"dirs"`
	// Domain and QA name the adapters used at start; empty means none.
	Domain []string `mapstructure:"domain"`
	QA     string   `mapstructure:"qa"`
	// Method is the merge method: cat, linear, ties, dare_linear, dare_ties, svd.
	Method string `mapstructure:"method"`
	// Weights are the per-adapter merge weights (domain first, then QA).
	Weights []float64 `mapstructure:"weights"`
	// Fused adds the merged delta into the weights (no per-token cost, slower swap).
	Fused bool `mapstructure:"fused"`
	// Composition names a saved composition (adapters tune) answers use; it replaces
	// Domain, QA, Method and Weights.
	Composition string `mapstructure:"composition"`
}

// Slack configures the bot's connection to Slack.
type Slack struct {
	// Mode is "socket" (Socket Mode, no public URL) or "http" (Events API).
	Mode              string   `mapstructure:"mode"`
	BotToken          string   `mapstructure:"bot_token"`
	BotTokenFile      string   `mapstructure:"bot_token_file"`
	AppToken          string   `mapstructure:"app_token"`
	AppTokenFile      string   `mapstructure:"app_token_file"`
	SigningSecret     string   `mapstructure:"signing_secret"`
	SigningSecretFile string   `mapstructure:"signing_secret_file"`
	Listen            string   `mapstructure:"listen"`
	APIURL            string   `mapstructure:"api_url"`
	Admins            []string `mapstructure:"admins"`
	// MetricsListen serves /healthz and /metrics; empty turns them off.
	MetricsListen string `mapstructure:"metrics_listen"`
	// UserRateLimit is the most questions one user may ask per minute.
	UserRateLimit int `mapstructure:"user_rate_limit"`
	// UpdateInterval spaces chat.update calls while an answer streams.
	UpdateInterval time.Duration `mapstructure:"update_interval"`
	// ShutdownTimeout bounds how long a stopping bot waits for answers in flight.
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	// ConnectTimeout is how long serve keeps retrying, with backoff, when Slack cannot be
	// reached at start (a network not up yet, a Slack outage) before it gives up.
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	// HistoryTurns caps the earlier thread turns a follow-up question carries.
	HistoryTurns int `mapstructure:"history_turns"`
	// ChannelProducts maps a channel id to the product its questions are about.
	ChannelProducts map[string]string `mapstructure:"channel_products"`
	// AnswerTimeout bounds a question's wait, queue included.
	AnswerTimeout time.Duration `mapstructure:"answer_timeout"`
	// MaxConcurrent answers are written at once; QueueSize more may wait.
	MaxConcurrent int `mapstructure:"max_concurrent"`
	QueueSize     int `mapstructure:"queue_size"`
	// Uncited is "mark" or "decline": what to do with an answer that cites no passage.
	Uncited string `mapstructure:"uncited"`
	// Streaming is "native" (chat.startStream, else chat.update) or "update".
	Streaming string `mapstructure:"streaming"`
	// PlainChannels answer questions without an @mention; AllowChannels (when set) and
	// DenyChannels say where the bot answers at all.
	PlainChannels []string `mapstructure:"plain_channels"`
	AllowChannels []string `mapstructure:"allow_channels"`
	DenyChannels  []string `mapstructure:"deny_channels"`
	// SuggestedPrompts are the assistant pane's starter prompts.
	SuggestedPrompts []string `mapstructure:"suggested_prompts"`
}
