// Package bot is manualbot's Slack front end: it receives events over Socket Mode or the
// HTTP Events API, answers questions in threads by streaming the answering pipeline's
// output into a placeholder message, records feedback, and runs admin commands.
//
// The bot knows nothing about retrieval, models or adapters: it talks to them through the
// small interfaces in this file, which the command's wiring satisfies.
package bot

import (
	"context"
	"time"

	"manualbot/qa"
)

// Answerer answers one question. onPartial receives the whole answer so far each time it
// grows (not a delta), so a slow consumer may skip calls without losing text; it must be
// cheap and must not block. Ask returns when the answer is complete.
type Answerer interface {
	Ask(ctx context.Context, q qa.Question, onPartial func(text string)) (*qa.Answer, error)
}

// Admin is what the admin commands act on. Every method must be safe to call while answers
// are being generated: Use swaps the merged adapters for the answers that start after it
// returns, and answers already in flight finish on the adapters they started with.
type Admin interface {
	// Adapters lists every adapter the registry knows, marking those in use.
	Adapters(ctx context.Context) ([]AdapterInfo, error)
	// Use merges the named adapters and swaps them in live. Unknown names, a bad method or
	// weights that do not match the adapters are errors, and then nothing changes.
	Use(ctx context.Context, req UseRequest) error
	// Status describes what is serving now.
	Status(ctx context.Context) (Status, error)
	// IngestFile ingests one manual from a local file; name is its original file name
	// (the path is a temporary file) and product the product it is filed under (empty:
	// the configured default). It keeps the file under a name of its own, so two uploads
	// called alike do not overwrite each other. It returns a one-line summary for the admin.
	IngestFile(ctx context.Context, path, name, product string) (string, error)
	// Reindex rebuilds the index from the configured sources and returns a summary.
	Reindex(ctx context.Context) (string, error)
}

// AdapterInfo describes one adapter for the `adapters` command.
type AdapterInfo struct {
	Name string
	// Kind is "domain" or "qa".
	Kind string
	// InUse is true when the adapter is merged into the model that answers now.
	InUse bool
	Rank  int
	// Description is free text, e.g. the manuals a domain adapter was trained on.
	Description string
}

// UseRequest is a parsed `use domain=A,B qa=Q method=cat weights=0.7,0.3` command, or
// `use composition=NAME` (a saved composition, alone).
type UseRequest struct {
	Composition string
	Domain      []string
	QA          string
	Method      string
	Weights     []float64
}

// Status is what `status` reports.
type Status struct {
	// Model names the base model; empty means retrieval-only mode.
	Model string
	// Adapters are those merged now, and Method how.
	Adapters []string
	Method   string
	// IndexDocs and IndexChunks size the index.
	IndexDocs   int
	IndexChunks int
	// Uptime is how long the pipeline has been serving.
	Uptime time.Duration
}
