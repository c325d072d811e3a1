package mini

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// QARecord is one training example of the answering skill. Prompt and Completion are
// Prompt(Question, Context) and Completion(Answer), written out so that a trainer needs
// no code of this package to use the exact evaluation format.
type QARecord struct {
	ID         string `json:"id"`
	Question   string `json:"question"`
	Context    string `json:"context"`
	Answer     string `json:"answer"`
	Prompt     string `json:"prompt"`
	Completion string `json:"completion"`
}

func newQARecord(id, question, context, answer string) QARecord {
	return QARecord{ID: id, Question: question, Context: context, Answer: answer,
		Prompt: Prompt(question, context), Completion: Completion(answer)}
}

// storyFact is one sentence of a QA story and the question it answers.
type storyFact struct{ sentence, question, answer string }

// storyQA writes one short story about a child, a toy and an animal, and asks about
// one of its sentences. The story says 4 to 6 of its 8 possible things in random order,
// so the answer must be found, not remembered by position.
func storyQA(rng *rand.Rand, id string) QARecord {
	kid := pick(rng, kids)
	he, his := "he", "his"
	if slices.Contains([]string{"Lily", "Mia", "Sue", "Anna", "Lucy", "Kate", "Amy", "Zoe"}, kid) {
		he, his = "she", "her"
	}
	toy, animal, part := pick(rng, toys), pick(rng, animals), pick(rng, parts)
	place, topper, word := pick(rng, places), pick(rng, toppers), pick(rng, happyWord)
	colour, n, food := pick(rng, colours), pick(rng, counts), pick(rng, foods)
	chore, bad := pick(rng, chores), pick(rng, forbidden)
	opening := fmt.Sprintf("%s has a %s %s.", kid, colour, toy)
	facts := []storyFact{
		{"", fmt.Sprintf("What colour is %s's %s?", kid, toy), colour},
		{fmt.Sprintf("The %s has %s %s.", toy, n, part), fmt.Sprintf("How many %s does the %s have?", part, toy), n},
		{fmt.Sprintf("%s keeps the %s in the %s.", kid, toy, place), fmt.Sprintf("Where does %s keep the %s?", kid, toy), "in the " + place},
		{fmt.Sprintf("%s has a pet %s. The %s likes to eat %s.", kid, animal, animal, food), fmt.Sprintf("What does the %s like to eat?", animal), food},
		{fmt.Sprintf("When %s is happy, %s says %s.", kid, he, word), fmt.Sprintf("What does %s say when %s is happy?", kid, he), word},
		{fmt.Sprintf("Every morning, first %s %s.", kid, chore), fmt.Sprintf("What does %s do first every morning?", kid), chore},
		{fmt.Sprintf("Mom said to never put %s in the %s.", bad, toy), fmt.Sprintf("What must %s never put in the %s?", kid, toy), bad},
		{fmt.Sprintf("On top of %s %s, there is a little %s.", his, toy, topper), fmt.Sprintf("What is on top of the %s?", toy), "a little " + topper},
	}
	asked := rng.IntN(len(facts))
	// The colour is said by the opening; the other facts are drawn without repeats.
	order := rng.Perm(len(facts) - 1)
	keep := 3 + rng.IntN(3)
	var said []int
	for _, i := range order[:keep] {
		said = append(said, i+1)
	}
	if asked != 0 && !slices.Contains(said, asked) {
		said[rng.IntN(len(said))] = asked
	}
	sentences := []string{opening}
	for _, i := range said {
		sentences = append(sentences, facts[i].sentence)
	}
	f := facts[asked]
	return newQARecord(id, f.question, strings.Join(sentences, " "), f.answer)
}

// commonFacts are closed-book questions about the story world the base model has read
// about; they teach the closed-book format (no context, short answer) without any fact
// of the manual.
var commonFacts = [][2]string{
	{"What colour is the sky?", "blue"}, {"What colour is the grass?", "green"},
	{"What colour is the sun?", "yellow"}, {"What colour is snow?", "white"},
	{"What does a cow say?", "moo"}, {"What does a dog say?", "woof"},
	{"What does a cat say?", "meow"}, {"What does a duck say?", "quack"},
	{"Where do fish live?", "in the water"}, {"Where do birds sleep?", "in a nest"},
	{"What do bees make?", "honey"}, {"What do cows give us?", "milk"},
	{"How many legs does a dog have?", "four"}, {"How many eyes do you have?", "two"},
	{"What do you eat soup with?", "a spoon"}, {"What do you wear on your head?", "a hat"},
	{"What do birds use to fly?", "wings"}, {"What do you sleep in?", "a bed"},
	{"What falls from the sky when it rains?", "water"}, {"What do you use to read?", "your eyes"},
}

// qaSkill makes n story questions (open book) and closed closed-book common questions,
// interleaved at random.
func qaSkill(rng *rand.Rand, n, closed int) []QARecord {
	out := make([]QARecord, 0, n+closed)
	for i := range n {
		out = append(out, storyQA(rng, fmt.Sprintf("story-%05d", i)))
	}
	for i := range closed {
		f := commonFacts[rng.IntN(len(commonFacts))]
		out = append(out, newQARecord(fmt.Sprintf("common-%05d", i), f[0], "", f[1]))
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
