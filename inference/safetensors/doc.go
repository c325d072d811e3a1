// Package safetensors reads and writes the Hugging Face safetensors format: an 8-byte
// little-endian header length N, N bytes of JSON describing every tensor (dtype, shape and
// data_offsets into the data buffer), then the data buffer itself.
//
// The format itself — parsing and validating the header, the tensor views, and laying out
// a file to write — is github.com/nlpodyssey/safetensors. Around it this package does what
// that library does not:
//   - memory-maps files (the library takes a byte slice), so weights reach the Go heap, or
//     a backend buffer, only when converted, and the kernel may drop the pages after;
//   - rejects a header that is not valid UTF-8 or names a tensor twice (the library's JSON
//     decoding would replace the bytes and keep the last entry silently; the Rust reference
//     refuses both);
//   - converts F16, BF16 and F64 to float32 and checks for non-finite values;
//   - opens a model folder: one file or a sharded model.safetensors.index.json (Set);
//   - writes atomically (temporary file, fsync, rename), and checks each tensor's byte size
//     against its shape before writing (the library's writer trusts its views, and its
//     TensorView refuses 0-d tensors, which are valid).
//
// The library knows the dtypes BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64
// and U64: a file holding another one (F8_*, F4, F6_*, C64) does not open, and its error
// names the tensor and the dtype. It also refuses tensor entries with keys beyond dtype,
// shape and data_offsets.
//
// A File is safe for concurrent reads. Slices returned by Bytes alias the read-only mapping
// and must not be used after Close, nor written to.
package safetensors
