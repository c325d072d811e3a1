package adapters

import (
	"fmt"
	"manualbot/inference"
	"math/rand/v2"
)

// The adapters tests train on tiny stories in the simple English stories260K reads, made
// here so that the package's tests depend on nothing outside it.

var (
	storyKids    = []string{"Tom", "Lily", "Ben", "Mia", "Sam", "Sue", "Max", "Anna"}
	storyToys    = []string{"ball", "car", "doll", "kite", "boat", "train"}
	storyColours = []string{"red", "blue", "green", "yellow", "pink"}
	storyPlaces  = []string{"box", "park", "garden", "house", "room"}
	storyFoods   = []string{"cake", "apples", "bread", "soup", "candy"}
)

func pickStory(rng *rand.Rand, l []string) string { return l[rng.IntN(len(l))] }

// storyPages are n short texts, one "page" each, for domain training.
func storyPages(seed uint64, n int) []string {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]string, n)
	for i := range out {
		kid, toy, colour := pickStory(rng, storyKids), pickStory(rng, storyToys), pickStory(rng, storyColours)
		place, food := pickStory(rng, storyPlaces), pickStory(rng, storyFoods)
		out[i] = fmt.Sprintf("Once upon a time, %s had a %s %s. %s kept the %s in the %s. Every day %s ate %s and played with the %s. %s was very happy.",
			kid, colour, toy, kid, toy, place, kid, food, toy, kid)
	}
	return out
}

// storyQA are n question-answer pairs about a one-sentence story, as prompt and answer.
func storyQA(seed uint64, n int) (prompts, answers []string) {
	rng := rand.New(rand.NewPCG(seed, 2))
	for range n {
		kid, toy, colour := pickStory(rng, storyKids), pickStory(rng, storyToys), pickStory(rng, storyColours)
		prompts = append(prompts, fmt.Sprintf("%s has a %s %s.\nQuestion: What colour is the %s?\nAnswer:", kid, colour, toy, toy))
		answers = append(answers, " "+colour+".")
	}
	return prompts, answers
}

// qaTrainSeqs tokenizes prompt + answer + EOS with the loss on the answer and EOS.
func qaTrainSeqs(enc Encoder, prompts, answers []string) ([]inference.TrainSeq, error) {
	eos := enc.EOS()
	var out []inference.TrainSeq
	for i := range prompts {
		p, err := enc.Encode(prompts[i], true)
		if err != nil {
			return nil, err
		}
		a, err := enc.Encode(answers[i], false)
		if err != nil {
			return nil, err
		}
		if len(eos) > 0 {
			a = append(a, eos[0])
		}
		ids := append(append([]int{}, p...), a...)
		mask := make([]bool, len(ids))
		for j := len(p); j < len(ids); j++ {
			mask[j] = true
		}
		out = append(out, inference.TrainSeq{IDs: ids, LossMask: mask})
	}
	return out, nil
}
