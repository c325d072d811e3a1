// Package qa is the answering pipeline shared by the CLI and the Slack bot: retrieve
// passages, build the prompt inside the context window, generate, and cite.
package qa

import "time"

// Question is one question with what the asker's context adds to it.
type Question struct {
	Text string
	// Product restricts retrieval to one product's manuals; empty means all.
	Product string
	// History holds the thread's earlier turns, oldest first, for follow-up questions.
	History []Turn
	// User and Channel identify the asker (for logs, feedback and rate limits).
	User, Channel string
}

// Turn is one earlier message of a conversation.
type Turn struct {
	// Role is "user" or "assistant".
	Role string
	Text string
}

// Citation is one passage an answer cites; N is the number used in the answer's [N] marker.
type Citation struct {
	N       int     `json:"n"`
	DocID   string  `json:"doc"`
	Title   string  `json:"title"`
	Section string  `json:"section"`
	Page    int     `json:"page,omitempty"`
	URL     string  `json:"url,omitempty"`
	ChunkID string  `json:"chunk_id"`
	Score   float64 `json:"score"`
	Snippet string  `json:"snippet,omitempty"`
}

// Answer is the pipeline's result.
type Answer struct {
	Text      string     `json:"answer"`
	Citations []Citation `json:"citations"`
	// Adapters names the adapters merged into the model that generated the answer;
	// Composition says how they were composed (null without adapters).
	Adapters    []string         `json:"adapters"`
	Composition *CompositionInfo `json:"composition"`
	// RetrievalOnly is true when no model is configured: Text lists passages, not an answer.
	RetrievalOnly bool `json:"retrieval_only"`
	// IDs are the prompt's and the answer's token ids (as generate --json gives them).
	IDs     []int   `json:"ids,omitempty"`
	Timings Timings `json:"timings"`
}

// Timings break an answer's latency down, for logs, metrics and --json.
type Timings struct {
	Retrieval       time.Duration `json:"retrieval_ns"`
	Generation      time.Duration `json:"generation_ns"`
	Total           time.Duration `json:"total_ns"`
	PromptTokens    int           `json:"prompt_tokens"`
	GeneratedTokens int           `json:"generated_tokens"`
}
