package mini

import (
	"math/rand/v2"
	"strings"
)

// Gadget is one made-up machine of the manual with every fact the manual states about it.
type Gadget struct {
	Name      string
	Size      string
	Shape     string
	Colour    string
	Buttons   string // how many buttons, as a word
	ButtonCol string
	Makes     string
	Topper    string
	Sound     string
	FirstStep string
	Forbidden string
	Place     string
}

// Section is the gadget's section heading, the citation target of its questions.
func (g Gadget) Section() string { return "The " + g.Name }

// gadgets draws n gadgets (fewer when the names run out) with distinct names; each fact independently uniform over its
// list, except that the buttons never share the body's colour (one answer per question).
func gadgets(rng *rand.Rand, n int) []Gadget {
	names := gadgetNames(rng, n)
	out := make([]Gadget, len(names))
	for i := range out {
		g := Gadget{
			Name:      names[i],
			Size:      pick(rng, sizes),
			Shape:     pick(rng, shapes),
			Colour:    pick(rng, colours),
			Buttons:   pick(rng, counts),
			Makes:     pick(rng, products),
			Topper:    pick(rng, toppers),
			Sound:     pick(rng, sounds),
			FirstStep: pick(rng, firstSteps),
			Forbidden: pick(rng, forbidden),
			Place:     pick(rng, places),
		}
		for g.ButtonCol = pick(rng, colours); g.ButtonCol == g.Colour; g.ButtonCol = pick(rng, colours) {
		}
		out[i] = g
	}
	return out
}

// gadgetNames makes up to n distinct names, none a real word, none sharing its first
// syllable with another, so no name's facts blur into another's ("Bimot", "Bimow").
func gadgetNames(rng *rand.Rand, n int) []string {
	type cand struct{ first, name string }
	var all []cand
	for _, c := range nameCaps {
		for _, a := range nameFirsts {
			if notNames[strings.ToLower(c+a)] {
				continue
			}
			for _, b := range nameSecond {
				if w := c + a + b; !notNames[strings.ToLower(w)] {
					all = append(all, cand{c + a, w})
				}
			}
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	out := make([]string, 0, n)
	used := map[string]bool{}
	for _, c := range all {
		if len(out) == n {
			break
		}
		if !used[c.first] {
			used[c.first] = true
			out = append(out, c.name)
		}
	}
	return out
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }
