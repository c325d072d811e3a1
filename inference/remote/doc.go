// Package remote is a client for a serving engine that speaks the OpenAI HTTP API (vLLM,
// LoRAX, llama.cpp's server, Ollama, TGI): streamed completions over server-sent events,
// the served models, a tokenizer probe, and the LoRA adapter an answer is generated with.
//
// It knows nothing of prompts or passages: the answering pipeline renders and counts the
// prompt with the local tokenizer and chat template, and this package sends the text.
package remote
