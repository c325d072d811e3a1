package adapters

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"manualbot/inference"
)

// Encoder turns text into token ids; *tokenizer.Tokenizer is one. An interface so data
// preparation can be tested without tokenizer files.
type Encoder interface {
	Encode(text string, addSpecial bool) ([]int, error)
	BOS() (int, bool)
	EOS() []int
}

// QARecord is one line of a QA training or tuning file. The caller renders it into the
// serving prompt (package qa's BuildPrompt): Passages, or else Context as one passage, then
// Question; Answer is what the model learns to write. Prompt and Completion, when set, are
// used as they are, for a custom format.
type QARecord struct {
	Question   string      `json:"question"`
	Context    string      `json:"context"`
	Passages   []QAPassage `json:"passages,omitempty"`
	Answer     string      `json:"answer"`
	Prompt     string      `json:"prompt,omitempty"`
	Completion string      `json:"completion,omitempty"`
}

// QAPassage is one passage of a QARecord, as retrieval would give it.
type QAPassage struct {
	Title   string `json:"title"`
	Section string `json:"section,omitempty"`
	Text    string `json:"text"`
}

// ReadQAFile reads a JSONL file of QARecords, naming the line of any bad record.
func ReadQAFile(path string) ([]QARecord, error) {
	var out []QARecord
	err := readJSONL(path, func(line int, data []byte) error {
		var r QARecord
		if err := json.Unmarshal(data, &r); err != nil {
			return err
		}
		if r.Prompt == "" && strings.TrimSpace(r.Question) == "" {
			return fmt.Errorf("no question (or prompt)")
		}
		if r.Completion == "" && strings.TrimSpace(r.Answer) == "" {
			return fmt.Errorf("no answer (or completion)")
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no records", path)
	}
	return out, nil
}

// ReadTextFile reads a training text: a JSONL file of {"text": ...} lines (as the
// benchmark writes) gives one document per line, any other file one document.
func ReadTextFile(path string) ([]string, error) {
	if strings.HasSuffix(path, ".jsonl") {
		var docs []string
		err := readJSONL(path, func(_ int, data []byte) error {
			var r struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(data, &r); err != nil {
				return err
			}
			if strings.TrimSpace(r.Text) != "" {
				docs = append(docs, r.Text)
			}
			return nil
		})
		return docs, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read training text: %w", err)
	}
	if strings.TrimSpace(string(data)) == "" {
		return nil, fmt.Errorf("training text %s is empty", path)
	}
	return []string{string(data)}, nil
}

func readJSONL(path string, each func(line int, data []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	for n := 1; sc.Scan(); n++ {
		data := bytes.TrimSpace(sc.Bytes())
		if len(data) == 0 {
			continue
		}
		if err := each(n, data); err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// TextSeqs cuts each document into windows of at most seqLen tokens for causal-LM
// training (the domain skill): every window starts with BOS, when the tokenizer has one,
// and every token after it counts in the loss.
func TextSeqs(enc Encoder, docs []string, seqLen int) ([]inference.TrainSeq, error) {
	if seqLen < 2 {
		return nil, fmt.Errorf("sequence length %d: need at least 2", seqLen)
	}
	bos, hasBOS := enc.BOS()
	body := seqLen
	if hasBOS {
		body--
	}
	var out []inference.TrainSeq
	for i, d := range docs {
		ids, err := enc.Encode(d, false)
		if err != nil {
			return nil, fmt.Errorf("tokenize document %d: %w", i, err)
		}
		for start := 0; start < len(ids); start += body {
			w := ids[start:min(start+body, len(ids))]
			if hasBOS {
				w = append([]int{bos}, w...)
			}
			if len(w) >= 2 {
				out = append(out, inference.TrainSeq{IDs: append([]int(nil), w...)})
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the training text gives no sequence of 2 tokens or more")
	}
	return out, nil
}

// SplitValidation shuffles seqs with seed and holds out a fraction for validation (at
// least one sequence when there are two or more), so the split is reproducible on resume.
func SplitValidation(seqs []inference.TrainSeq, fraction float64, seed uint64) (train, val []inference.TrainSeq) {
	perm := rand.New(rand.NewPCG(seed, 0x5eed)).Perm(len(seqs))
	n := int(fraction * float64(len(seqs)))
	if n == 0 && fraction > 0 && len(seqs) >= 2 {
		n = 1
	}
	for i, p := range perm {
		if i < n {
			val = append(val, seqs[p])
		} else {
			train = append(train, seqs[p])
		}
	}
	return train, val
}
