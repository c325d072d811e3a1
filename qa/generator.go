package qa

import "context"

// Message is one chat turn handed to the model's chat template.
type Message struct {
	Role    string // system, user or assistant
	Content string
}

// GenerateInput is one generation request.
type GenerateInput struct {
	Prompt    string
	MaxTokens int
	// Products are the products of the passages in the prompt, so the generator can pick
	// the domain adapters that cover them.
	Products []string
	// OnQueue, when set, hears the answer's place in the model's queue each time it
	// changes (1 is next) and 0 when its generation starts; an answer that starts at once
	// never hears of the queue.
	OnQueue func(position int)
}

// GenerateOutput reports what a generation did.
type GenerateOutput struct {
	Text            string
	PromptTokens    int
	GeneratedTokens int
	// Adapters names the adapters merged into the model that produced the text, and
	// Composition describes how they were composed (nil when none).
	Adapters    []string
	Composition *CompositionInfo
	// IDs are the prompt's token ids followed by the generated ones.
	IDs []int
}

// Generator is a language model ready to answer: the inference engine with its
// tokenizer, chat template and adapters. The pipeline knows nothing more of the model.
type Generator interface {
	Prompter
	// Generate streams the answer's text to onText as it is produced.
	Generate(ctx context.Context, in GenerateInput, onText func(piece string) error) (GenerateOutput, error)
}
