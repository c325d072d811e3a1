// Package inference runs Llama-family causal language models (LlamaForCausalLM,
// MistralForCausalLM, Qwen2ForCausalLM) from Hugging Face checkpoints under GoMLX.
//
// The model is expressed once as a GoMLX graph, so the same code runs on the pure-Go
// backend (the default, CPU) and on XLA (a PJRT plugin, e.g. a GPU). Weights are read from
// safetensors into float32 and kept on the backend as buffers shared with the host where
// the backend allows, so a loaded model costs about one copy of its f32 weights.
//
// Generation is prefill then one-token decode steps against a fixed-capacity KV cache:
// the prompt is padded to a power-of-two bucket and the cache capacity is a power of two,
// so a handful of compiled graphs serve every request, and one decode graph serves every
// step of a request (the position is a runtime scalar). Sampling runs in Go on the last
// logits.
//
// Concurrent generations are batched (continuous batching, scheduler.go): each admitted
// request has its own KV cache, position, sampler and stop rules, and one decode graph
// advances all of them (with the same weights) by a token at a time; requests join and
// leave between steps, a newcomer's prompt is prefilled in chunks between the others'
// steps, and requests beyond Options.MaxBatch wait in a queue that reports positions.
//
// Race testing: GoMLX's small-matmul kernel does pointer arithmetic that Go's checkptr
// (enabled by -race) rejects, and its no_unsafe fallback tag does not build in compute
// v0.1.6, so run the race tests with checkptr off for that module only:
//
//	go test -race -gcflags='github.com/gomlx/compute/...=-d=checkptr=0' ./inference/
//
// LoRA adapters (AdapterSet) apply either unfused, as low-rank factors inside the graph
// (instant to swap), or fused into copies of the targeted weights.
package inference
