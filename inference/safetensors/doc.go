// Package safetensors reads and writes the Hugging Face safetensors format: an 8-byte
// little-endian header length N, N bytes of JSON describing every tensor (dtype, shape and
// data_offsets into the data buffer), then the data buffer itself.
//
// It is written here rather than taken from a library because the model and adapter code need
// what the libraries lack: files are memory-mapped so weights reach the Go heap only once they
// are converted, 0-d tensors are valid, and a tensor of an unknown dtype (say a future fp8
// variant) does not make the whole file unreadable — only converting that tensor fails.
//
// Validation on Open follows the Rust reference (huggingface/safetensors): the header is at
// most 100 MB of UTF-8 JSON, every tensor's byte size matches its shape and dtype, and the
// tensors, ordered by offset, tile the data buffer exactly — no gaps, no overlaps, no trailing
// bytes. Beyond the reference, duplicate tensor names are rejected rather than silently
// overwritten.
//
// A File is safe for concurrent reads. Slices returned by Bytes alias the read-only mapping
// and must not be used after Close, nor written to.
package safetensors
