package adapters

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// targetMatcher decides, as PEFT's check_target_module_exists does, whether a config puts a
// LoRA on a module: the regex form must match the whole name; a list entry must equal the name
// or be its dotted suffix, and then layers_to_transform (if any) must contain the module's layer.
type targetMatcher struct {
	re       *regexp.Regexp
	names    []string
	allLin   bool
	layers   []int
	layerRes []*regexp.Regexp
}

// matcher compiles the config's target rules. Python regexes that RE2 cannot run (look-around,
// back-references) are refused here rather than silently matching something else.
func (t Targets) matcher(c Config) (*targetMatcher, error) {
	m := &targetMatcher{layers: c.LayersToTransform}
	if t.IsRegex {
		if t.Regex == "all-linear" {
			m.allLin = true
			return m, nil
		}
		re, err := regexp.Compile(`^(?:` + t.Regex + `)$`)
		if err != nil {
			return nil, fmt.Errorf("%s: target_modules regex %q: %w", ConfigFile, t.Regex, err)
		}
		m.re = re
		return m, nil
	}
	m.names = t.Names
	if len(c.LayersPattern) == 0 {
		m.layerRes = []*regexp.Regexp{regexp.MustCompile(`^.*\.[^.]*\.(\d+)\.`)}
	}
	for _, p := range c.LayersPattern {
		re, err := regexp.Compile(`^.*\.` + p + `\.(\d+)\.`)
		if err != nil {
			return nil, fmt.Errorf("%s: layers_pattern %q: %w", ConfigFile, p, err)
		}
		m.layerRes = append(m.layerRes, re)
	}
	return m, nil
}

// match reports whether the module gets a LoRA under this config.
func (m *targetMatcher) match(module string) bool {
	switch {
	case m.allLin:
		_, _, ok := SplitModuleName(module)
		return ok
	case m.re != nil:
		return m.re.MatchString(module)
	}
	if slices.Contains(m.names, module) {
		// PEFT accepts an exact name before looking at layers_to_transform.
		return true
	}
	found := false
	for _, n := range m.names {
		if strings.HasSuffix(module, "."+n) {
			found = true
			break
		}
	}
	if !found || len(m.layers) == 0 {
		return found
	}
	for _, re := range m.layerRes {
		if sm := re.FindStringSubmatch(module); sm != nil {
			l, err := strconv.Atoi(sm[1])
			return err == nil && slices.Contains(m.layers, l)
		}
	}
	return false
}

// patternMatch returns the value of the first pattern whose key matches the end of the module
// name at a dot boundary (PEFT's get_pattern_key: re.match(rf"(.*\.)?({key})$", name)).
func (p Patterns) patternMatch(module string) (float64, bool, error) {
	for _, e := range p {
		re, err := regexp.Compile(`^(?:.*\.)?(?:` + e.Key + `)$`)
		if err != nil {
			return 0, false, fmt.Errorf("pattern %q: %w", e.Key, err)
		}
		if re.MatchString(module) {
			return e.Value, true, nil
		}
	}
	return 0, false, nil
}

// ModuleRank is the rank PEFT gives the module: rank_pattern's first match, else r.
func (c Config) ModuleRank(module string) (int, error) {
	v, ok, err := c.RankPattern.patternMatch(module)
	if err != nil {
		return 0, fmt.Errorf("%s: rank_pattern: %w", ConfigFile, err)
	}
	if !ok {
		return c.R, nil
	}
	return int(v), nil
}

// ModuleAlpha is the lora_alpha PEFT gives the module: alpha_pattern's first match, else lora_alpha.
func (c Config) ModuleAlpha(module string) (float64, error) {
	v, ok, err := c.AlphaPattern.patternMatch(module)
	if err != nil {
		return 0, fmt.Errorf("%s: alpha_pattern: %w", ConfigFile, err)
	}
	if !ok {
		return c.Alpha, nil
	}
	return v, nil
}

// Scaling is the LoRA scale s of a module of rank r and alpha a: a/r, or a/sqrt(r) with rsLoRA.
func (c Config) Scaling(rank int, alpha float64) float64 {
	if c.UseRSLoRA {
		return alpha / math.Sqrt(float64(rank))
	}
	return alpha / float64(rank)
}
