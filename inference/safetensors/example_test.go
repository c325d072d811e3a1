package safetensors_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"manualbot/inference/safetensors"
)

// A test model or an exported adapter is written with Write and read back, whole directory
// or explicit file, with OpenDir.
func Example() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	tensors := []safetensors.Tensor{
		safetensors.BF16Tensor("model.norm.weight", []int{4}, []float32{1, 0.5, -2, 3}),
		safetensors.F32Tensor("scale", nil, []float32{0.25}), // a 0-d tensor
	}
	if err := safetensors.Write(filepath.Join(dir, safetensors.ModelFile), tensors, map[string]string{"format": "pt"}); err != nil {
		log.Fatal(err)
	}
	s, err := safetensors.OpenDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	for _, name := range s.Names() {
		info, _ := s.Info(name)
		v, err := s.Float32(name)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name, info.DType, info.Shape, v)
	}
	// Output:
	// model.norm.weight BF16 [4] [1 0.5 -2 3]
	// scale F32 [] [0.25]
}
