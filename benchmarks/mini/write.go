package mini

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Files written by WriteDir.
const (
	TestFile   = "test.jsonl"
	TuneFile   = "tune.jsonl"
	QAFile     = "qa_train.jsonl"
	DomainFile = "domain_train.jsonl"
	MixFile    = "mix_train.jsonl"
	// TuneTrainFile holds the tuning questions as training records for adapters tune.
	TuneTrainFile = "tune_train.jsonl"
)

// WriteDir writes the benchmark's files into dir (created if needed): manual.md,
// test.jsonl and tune.jsonl (eval questions), qa_train.jsonl, domain_train.jsonl,
// mix_train.jsonl, tune_train.jsonl (TuneRecords) and cloze.jsonl (Cloze). Each file is written whole to a
// temporary name and renamed, so a reader never sees half a file.
func (b *Benchmark) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mini: %w", err)
	}
	files := []struct {
		name string
		data func() ([]byte, error)
	}{
		{ManualFile, func() ([]byte, error) { return []byte(b.Manual), nil }},
		{TestFile, func() ([]byte, error) { return jsonl(b.Test) }},
		{TuneFile, func() ([]byte, error) { return jsonl(b.Tune) }},
		{QAFile, func() ([]byte, error) { return jsonl(b.QA) }},
		{DomainFile, func() ([]byte, error) { return jsonl(b.Domain) }},
		{MixFile, func() ([]byte, error) { return jsonl(b.Mix()) }},
		{TuneTrainFile, func() ([]byte, error) { return jsonl(b.TuneRecords()) }},
		{ClozeFile, func() ([]byte, error) {
			qs, err := b.Cloze()
			if err != nil {
				return nil, err
			}
			return jsonl(qs)
		}},
	}
	for _, f := range files {
		data, err := f.data()
		if err != nil {
			return fmt.Errorf("mini: %s: %w", f.name, err)
		}
		if err := writeAtomic(filepath.Join(dir, f.name), data); err != nil {
			return fmt.Errorf("mini: %w", err)
		}
	}
	return nil
}

// jsonl encodes one JSON object a line, without HTML escaping (the text is read by people).
func jsonl[T any](xs []T) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, x := range xs {
		if err := enc.Encode(x); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
