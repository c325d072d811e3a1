// Package tokenizer reads a Hugging Face tokenizer.json (and tokenizer_config.json) and
// encodes and decodes text exactly as the Rust tokenizers library does, so that a model
// sees the ids it was trained on. It covers the BPE models that Llama-family checkpoints
// use: byte-level BPE (GPT-2, Llama-3, Qwen, SmolLM) and SentencePiece-style BPE with
// byte fallback (Llama-2, Mistral, TinyLlama). Components it does not implement are
// refused by name at Load time instead of tokenizing differently.
//
// The pipeline mirrors Hugging Face's: added tokens are cut out first (a trie, leftmost
// longest), every other piece is normalized, pre-tokenized into words, and each word is
// run through BPE (rank-ordered merges with a heap, cached per word); a post-processor
// adds BOS/EOS. Decoding runs the decoder chain over the tokens' strings.
package tokenizer
