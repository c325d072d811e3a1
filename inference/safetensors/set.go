package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// The file names Hugging Face and PEFT use inside a model or adapter directory.
const (
	IndexFile   = "model.safetensors.index.json"
	ModelFile   = "model.safetensors"
	AdapterFile = "adapter_model.safetensors"
)

// Set is a model's weights, in one file or sharded over many, looked up by tensor name so
// callers need not know which shard holds what.
type Set struct {
	files []*File          // sorted by path
	where map[string]*File // tensor name -> the file holding it
	names []string         // sorted
}

// OpenDir opens the weights at path: a directory holding model.safetensors.index.json
// (sharded), model.safetensors or adapter_model.safetensors, in that order of preference; or
// one explicit .safetensors file. Every file's header is validated, and every tensor of the
// index must be present in the shard it names.
func OpenDir(path string) (*Set, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if !st.IsDir() {
		return openSingle(path)
	}
	for _, name := range []string{IndexFile, ModelFile, AdapterFile} {
		p := filepath.Join(path, name)
		if _, err := os.Stat(p); err == nil {
			if name == IndexFile {
				return openIndex(p)
			}
			return openSingle(p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("safetensors: %w", err)
		}
	}
	return nil, fmt.Errorf("safetensors %s: no %s, %s or %s in the directory: %w", path, IndexFile, ModelFile, AdapterFile, os.ErrNotExist)
}

func openSingle(path string) (*Set, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	s := &Set{files: []*File{f}, where: make(map[string]*File, len(f.hdr.names)), names: f.Names()}
	for _, n := range s.names {
		s.where[n] = f
	}
	return s, nil
}

// index is the part of model.safetensors.index.json we use.
type index struct {
	WeightMap map[string]string `json:"weight_map"`
}

func openIndex(path string) (*Set, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors index: %w", err)
	}
	var idx index
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("safetensors index %s: %v: %w", path, err, ErrInvalid)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("safetensors index %s: empty or missing weight_map: %w", path, ErrInvalid)
	}
	dir := filepath.Dir(path)
	shards := make(map[string]*File)
	s := &Set{where: make(map[string]*File, len(idx.WeightMap))}
	for _, shard := range slices.Sorted(maps.Values(idx.WeightMap)) {
		if _, ok := shards[shard]; ok {
			continue
		}
		if !filepath.IsLocal(shard) {
			s.Close()
			return nil, fmt.Errorf("safetensors index %s: shard %q is outside the directory: %w", path, shard, ErrInvalid)
		}
		f, err := Open(filepath.Join(dir, shard))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("safetensors index %s: shard %s: %w", path, shard, err)
		}
		shards[shard] = f
		s.files = append(s.files, f)
	}
	for _, name := range slices.Sorted(maps.Keys(idx.WeightMap)) {
		shard := idx.WeightMap[name]
		f := shards[shard]
		if _, ok := f.hdr.tensors[name]; !ok {
			s.Close()
			return nil, fmt.Errorf("safetensors index %s: tensor %q is mapped to shard %s, which does not hold it: %w", path, name, shard, ErrInvalid)
		}
		s.where[name] = f
		s.names = append(s.names, name)
	}
	return s, nil
}

// Names lists the tensors of every file, sorted.
func (s *Set) Names() []string { return slices.Clone(s.names) }

// Files lists the paths of the files opened, sorted, for messages and cache keys.
func (s *Set) Files() []string {
	out := make([]string, len(s.files))
	for i, f := range s.files {
		out[i] = f.path
	}
	return out
}

// Metadata merges the files' "__metadata__" maps; where shards disagree on a key the first
// file (by path) wins. Nil when no file has any.
func (s *Set) Metadata() map[string]string {
	var out map[string]string
	for i := len(s.files) - 1; i >= 0; i-- {
		if m := s.files[i].hdr.metadata; m != nil {
			if out == nil {
				out = make(map[string]string, len(m))
			}
			maps.Copy(out, m)
		}
	}
	return out
}

// Info describes a tensor without touching its data; Offset is within the file holding it.
func (s *Set) Info(name string) (TensorInfo, bool) {
	f, ok := s.where[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Info(name)
}

// File is the file holding a tensor, for callers that need its path or offsets.
func (s *Set) File(name string) (*File, bool) {
	f, ok := s.where[name]
	return f, ok
}

func (s *Set) lookup(name string) (*File, error) {
	f, ok := s.where[name]
	if !ok {
		return nil, fmt.Errorf("safetensors %v: %q: %w", s.Files(), name, ErrNotFound)
	}
	return f, nil
}

// Bytes is the tensor's raw data as a view into its file's mapping; see File.Bytes.
func (s *Set) Bytes(name string) ([]byte, error) {
	f, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	return f.Bytes(name)
}

// Tensor returns the tensor with Data viewing the mapping; see File.Tensor.
func (s *Set) Tensor(name string) (Tensor, error) {
	f, err := s.lookup(name)
	if err != nil {
		return Tensor{}, err
	}
	return f.Tensor(name)
}

// Float32 converts a floating-point tensor to a new []float32; see File.Float32.
func (s *Set) Float32(name string) ([]float32, error) {
	f, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	return f.Float32(name)
}

// Float32Into converts into a caller's buffer; see File.Float32Into.
func (s *Set) Float32Into(name string, dst []float32) error {
	f, err := s.lookup(name)
	if err != nil {
		return err
	}
	return f.Float32Into(name, dst)
}

// Close unmaps every file, reporting all failures.
func (s *Set) Close() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}
