package safetensors

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// shardedModel writes two shards and an index mapping "a" and "b" to the first and "c" to
// the second; index overrides the index text when non-empty.
func shardedModel(t *testing.T, index string) string {
	t.Helper()
	dir := t.TempDir()
	s1 := []Tensor{F32Tensor("a", []int{2}, []float32{1, 2}), BF16Tensor("b", []int{1}, []float32{3})}
	s2 := []Tensor{F16Tensor("c", []int{1, 1}, []float32{4})}
	if err := Write(filepath.Join(dir, "model-00001-of-00002.safetensors"), s1, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(dir, "model-00002-of-00002.safetensors"), s2, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if index == "" {
		index = `{"metadata":{"total_size":14},"weight_map":{
			"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors",
			"c":"model-00002-of-00002.safetensors"}}`
	}
	if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOpenDirSharded(t *testing.T) {
	s, err := OpenDir(shardedModel(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Names(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("names %v", got)
	}
	want := map[string][]float32{"a": {1, 2}, "b": {3}, "c": {4}}
	for name, w := range want {
		got, err := s.Float32(name)
		if err != nil || !slices.Equal(got, w) {
			t.Errorf("%s = %v %v, want %v", name, got, err, w)
		}
	}
	if info, ok := s.Info("c"); !ok || info.DType != F16 || !slices.Equal(info.Shape, []int{1, 1}) {
		t.Errorf("info c %+v", info)
	}
	if f, ok := s.File("c"); !ok || !strings.HasSuffix(f.Path(), "model-00002-of-00002.safetensors") {
		t.Errorf("c is in the wrong file")
	}
	if len(s.Files()) != 2 || s.Metadata()["format"] != "pt" {
		t.Errorf("files %v metadata %v", s.Files(), s.Metadata())
	}
	if _, err := s.Bytes("zzz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tensor: %v", err)
	}
}

func TestOpenDirChoosesFile(t *testing.T) {
	tests := []struct {
		name  string
		files []string // written in this order, each with a tensor named after the file
		open  string   // relative path handed to OpenDir; "" for the directory
		want  string   // the tensor that must be found
	}{
		{"model file", []string{ModelFile}, "", ModelFile},
		{"adapter file", []string{AdapterFile}, "", AdapterFile},
		{"model preferred over adapter", []string{AdapterFile, ModelFile}, "", ModelFile},
		{"explicit file", []string{ModelFile, "other.safetensors"}, "other.safetensors", "other.safetensors"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				if err := Write(filepath.Join(dir, f), []Tensor{F32Tensor(f, []int{1}, []float32{1})}, nil); err != nil {
					t.Fatal(err)
				}
			}
			s, err := OpenDir(filepath.Join(dir, tc.open))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := s.Names(); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("names %v, want [%s]", got, tc.want)
			}
		})
	}
}

func TestOpenDirRejects(t *testing.T) {
	tests := []struct {
		name  string
		dir   func(t *testing.T) string
		want  string
		isErr error
	}{
		{"empty directory", func(t *testing.T) string { return t.TempDir() }, "no " + IndexFile, os.ErrNotExist},
		{"missing shard", func(t *testing.T) string {
			return shardedModel(t, `{"weight_map":{"a":"model-00001-of-00002.safetensors","z":"model-00009-of-00009.safetensors"}}`)
		}, "shard model-00009-of-00009.safetensors", os.ErrNotExist},
		{"tensor absent from its shard", func(t *testing.T) string {
			return shardedModel(t, `{"weight_map":{"a":"model-00001-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}`)
		}, `tensor "c" is mapped to shard model-00001-of-00002.safetensors, which does not hold it`, ErrInvalid},
		{"shard outside the directory", func(t *testing.T) string {
			return shardedModel(t, `{"weight_map":{"a":"../model-00001-of-00002.safetensors"}}`)
		}, "outside the directory", ErrInvalid},
		{"index not JSON", func(t *testing.T) string { return shardedModel(t, `{"weight_map":`) }, IndexFile, ErrInvalid},
		{"no weight_map", func(t *testing.T) string { return shardedModel(t, `{"metadata":{}}`) }, "weight_map", ErrInvalid},
		{"corrupt shard", func(t *testing.T) string {
			dir := shardedModel(t, "")
			os.WriteFile(filepath.Join(dir, "model-00002-of-00002.safetensors"), []byte{1, 2}, 0o644)
			return dir
		}, "header too small", ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir(t)
			s, err := OpenDir(dir)
			if err == nil {
				s.Close()
				t.Fatal("OpenDir succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) || !errors.Is(err, tc.isErr) {
				t.Errorf("error %q should name %s, say %q and wrap %v", err, dir, tc.want, tc.isErr)
			}
		})
	}
}
