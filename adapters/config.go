package adapters

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// ConfigFile and WeightsFile are the two files of a PEFT adapter folder.
const (
	ConfigFile  = "adapter_config.json"
	WeightsFile = "adapter_model.safetensors"
)

// Config is adapter_config.json. The fields the math depends on are typed; every other key
// PEFT wrote (task_type, lora_dropout, revision, ...) is kept verbatim so that writing an
// adapter back loses nothing and is byte-for-byte stable.
type Config struct {
	PeftType  string
	BaseModel string
	// R and Alpha are the defaults; RankPattern and AlphaPattern override them per module.
	R     int
	Alpha float64
	// Targets is target_modules: a list of name suffixes or one regular expression.
	Targets   Targets
	UseRSLoRA bool
	// FanInFanOut describes the base layer's layout (GPT-2's Conv1D); the LoRA factors are
	// stored [r,in] and [out,r] either way, and PEFT turns it off for Llama's nn.Linear.
	FanInFanOut  bool
	RankPattern  Patterns
	AlphaPattern Patterns
	// LayersToTransform restricts list targets to these layer indices (nil: all layers).
	LayersToTransform []int
	// LayersPattern names the module list holding the layers ("layers"); nil: PEFT's default.
	LayersPattern []string
	ModulesToSave []string
	Bias          string
	UseDoRA       bool

	// extra holds every key of the file, so unknown ones survive a rewrite.
	extra map[string]json.RawMessage
}

// Pattern is one entry of rank_pattern or alpha_pattern: a regex key matched against the end
// of a module name, and its value. Order matters (first match wins), so it is a list.
type Pattern struct {
	Key   string
	Value float64
}

// Patterns is an ordered rank_pattern or alpha_pattern.
type Patterns []Pattern

// Targets is target_modules, which PEFT accepts as a list of names or as one regex string.
type Targets struct {
	// Names is the list form; each entry matches a module named exactly so or ending ".name".
	Names []string
	// Regex is the string form, matched against the whole module name.
	Regex string
	// IsRegex tells the forms apart (an empty list and an empty regex are both possible).
	IsRegex bool
}

// ParseConfig decodes adapter_config.json, refusing what this package cannot apply faithfully
// (a non-LoRA PEFT type, DoRA, trained biases, modules_to_save) with a message saying so.
func ParseConfig(data []byte) (Config, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Config{}, fmt.Errorf("parse %s: %w", ConfigFile, err)
	}
	c := Config{extra: raw}
	var err error
	if c.PeftType, err = requiredString(raw, "peft_type"); err != nil {
		return Config{}, err
	}
	if c.PeftType != "LORA" {
		return Config{}, fmt.Errorf("%s: peft_type is %q, only LORA adapters are supported", ConfigFile, c.PeftType)
	}
	if c.R, err = requiredInt(raw, "r"); err != nil {
		return Config{}, err
	}
	if c.R <= 0 {
		return Config{}, fmt.Errorf("%s: r is %d, want > 0", ConfigFile, c.R)
	}
	if c.Alpha, err = requiredFloat(raw, "lora_alpha"); err != nil {
		return Config{}, err
	}
	if c.Targets, err = parseTargets(raw["target_modules"]); err != nil {
		return Config{}, err
	}
	if c.BaseModel, err = optionalString(raw, "base_model_name_or_path"); err != nil {
		return Config{}, err
	}
	if c.Bias, err = optionalString(raw, "bias"); err != nil {
		return Config{}, err
	}
	if c.Bias != "" && c.Bias != "none" {
		return Config{}, fmt.Errorf("%s: bias is %q: trained biases are not supported, only \"none\"", ConfigFile, c.Bias)
	}
	for _, b := range []struct {
		key string
		v   *bool
	}{{"use_rslora", &c.UseRSLoRA}, {"fan_in_fan_out", &c.FanInFanOut}, {"use_dora", &c.UseDoRA}} {
		if *b.v, err = optionalBool(raw, b.key); err != nil {
			return Config{}, err
		}
	}
	if c.UseDoRA {
		return Config{}, fmt.Errorf("%s: use_dora is true: DoRA adapters are not supported, only plain LoRA", ConfigFile)
	}
	if c.RankPattern, err = parsePatterns(raw["rank_pattern"], "rank_pattern"); err != nil {
		return Config{}, err
	}
	for _, p := range c.RankPattern {
		if p.Value <= 0 || p.Value != float64(int(p.Value)) {
			return Config{}, fmt.Errorf("%s: rank_pattern %q is %v, want a positive integer", ConfigFile, p.Key, p.Value)
		}
	}
	if c.AlphaPattern, err = parsePatterns(raw["alpha_pattern"], "alpha_pattern"); err != nil {
		return Config{}, err
	}
	if c.LayersToTransform, err = parseIntOrList(raw["layers_to_transform"], "layers_to_transform"); err != nil {
		return Config{}, err
	}
	if c.LayersPattern, err = parseStringOrList(raw["layers_pattern"], "layers_pattern"); err != nil {
		return Config{}, err
	}
	if c.ModulesToSave, err = parseStringOrList(raw["modules_to_save"], "modules_to_save"); err != nil {
		return Config{}, err
	}
	if len(c.ModulesToSave) > 0 {
		return Config{}, fmt.Errorf("%s: modules_to_save %v: adapters that replace whole modules are not supported, only LoRA factors", ConfigFile, c.ModulesToSave)
	}
	if _, err := c.Targets.matcher(c); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Marshal encodes the config as PEFT does (sorted keys, two-space indent), with the typed
// fields written over the original keys; the same Config always gives the same bytes.
func (c Config) Marshal() ([]byte, error) {
	out := make(map[string]json.RawMessage, len(c.extra)+16)
	for k, v := range c.extra {
		out[k] = v
	}
	set := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
		out[key] = b
		return nil
	}
	var errs []error
	errs = append(errs,
		set("peft_type", c.PeftType),
		set("r", c.R),
		set("lora_alpha", c.Alpha),
		set("use_rslora", c.UseRSLoRA),
		set("fan_in_fan_out", c.FanInFanOut),
		set("use_dora", c.UseDoRA),
	)
	if c.Targets.IsRegex {
		errs = append(errs, set("target_modules", c.Targets.Regex))
	} else {
		errs = append(errs, set("target_modules", nonNil(c.Targets.Names)))
	}
	if c.BaseModel != "" || out["base_model_name_or_path"] != nil {
		errs = append(errs, set("base_model_name_or_path", c.BaseModel))
	}
	bias := c.Bias
	if bias == "" {
		bias = "none"
	}
	errs = append(errs, set("bias", bias))
	out["rank_pattern"] = c.RankPattern.marshal()
	out["alpha_pattern"] = c.AlphaPattern.marshal()
	if c.LayersToTransform != nil {
		errs = append(errs, set("layers_to_transform", c.LayersToTransform))
	} else {
		out["layers_to_transform"] = json.RawMessage("null")
	}
	if c.LayersPattern != nil {
		errs = append(errs, set("layers_pattern", c.LayersPattern))
	} else {
		out["layers_pattern"] = json.RawMessage("null")
	}
	out["modules_to_save"] = json.RawMessage("null")
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ConfigFile, err)
	}
	return append(b, '\n'), nil
}

// clone returns a deep copy, so merges can derive a config without touching their inputs.
func (c Config) clone() Config {
	d := c
	d.Targets.Names = append([]string(nil), c.Targets.Names...)
	d.RankPattern = append(Patterns(nil), c.RankPattern...)
	d.AlphaPattern = append(Patterns(nil), c.AlphaPattern...)
	d.LayersToTransform = append([]int(nil), c.LayersToTransform...)
	if c.LayersToTransform == nil {
		d.LayersToTransform = nil
	}
	d.LayersPattern = append([]string(nil), c.LayersPattern...)
	if c.LayersPattern == nil {
		d.LayersPattern = nil
	}
	d.ModulesToSave = nil
	d.extra = make(map[string]json.RawMessage, len(c.extra))
	for k, v := range c.extra {
		d.extra[k] = v
	}
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// marshal writes the patterns as a JSON object in their order (a Go map would sort them,
// which could change which key matches first).
func (p Patterns) marshal() json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.Key)
		v, _ := json.Marshal(e.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// parsePatterns decodes a JSON object keeping its key order.
func parsePatterns(raw json.RawMessage, field string) (Patterns, error) {
	if isNull(raw) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("%s: %s must be an object of pattern to number", ConfigFile, field)
	}
	var out Patterns
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", ConfigFile, field, err)
		}
		key, _ := kt.(string)
		var n json.Number
		if err := dec.Decode(&n); err != nil {
			return nil, fmt.Errorf("%s: %s %q: want a number: %w", ConfigFile, field, key, err)
		}
		v, err := n.Float64()
		if err != nil {
			return nil, fmt.Errorf("%s: %s %q: %w", ConfigFile, field, key, err)
		}
		out = append(out, Pattern{Key: key, Value: v})
	}
	return out, nil
}

func parseTargets(raw json.RawMessage) (Targets, error) {
	if isNull(raw) {
		return Targets{}, fmt.Errorf("%s: missing field \"target_modules\"", ConfigFile)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return Targets{Regex: s, IsRegex: true}, nil
	}
	var l []string
	if err := json.Unmarshal(raw, &l); err != nil {
		return Targets{}, fmt.Errorf("%s: target_modules must be a list of names or a regex string", ConfigFile)
	}
	return Targets{Names: nonNil(l)}, nil
}

func parseIntOrList(raw json.RawMessage, field string) ([]int, error) {
	if isNull(raw) {
		return nil, nil
	}
	var one int
	if err := json.Unmarshal(raw, &one); err == nil {
		return []int{one}, nil
	}
	var l []int
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("%s: %s must be an integer or a list of integers", ConfigFile, field)
	}
	return nonNilInts(l), nil
}

func nonNilInts(l []int) []int {
	if l == nil {
		return []int{}
	}
	return l
}

func parseStringOrList(raw json.RawMessage, field string) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var l []string
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("%s: %s must be a string or a list of strings", ConfigFile, field)
	}
	return nonNil(l), nil
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

func requiredString(raw map[string]json.RawMessage, key string) (string, error) {
	if isNull(raw[key]) {
		return "", fmt.Errorf("%s: missing field %q", ConfigFile, key)
	}
	return optionalString(raw, key)
}

func optionalString(raw map[string]json.RawMessage, key string) (string, error) {
	if isNull(raw[key]) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw[key], &s); err != nil {
		return "", fmt.Errorf("%s: %s must be a string", ConfigFile, key)
	}
	return s, nil
}

func optionalBool(raw map[string]json.RawMessage, key string) (bool, error) {
	if isNull(raw[key]) {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(raw[key], &b); err != nil {
		return false, fmt.Errorf("%s: %s must be true or false", ConfigFile, key)
	}
	return b, nil
}

func requiredFloat(raw map[string]json.RawMessage, key string) (float64, error) {
	if isNull(raw[key]) {
		return 0, fmt.Errorf("%s: missing field %q", ConfigFile, key)
	}
	var n json.Number
	if err := json.Unmarshal(raw[key], &n); err != nil {
		return 0, fmt.Errorf("%s: %s must be a number", ConfigFile, key)
	}
	return n.Float64()
}

func requiredInt(raw map[string]json.RawMessage, key string) (int, error) {
	f, err := requiredFloat(raw, key)
	if err != nil {
		return 0, err
	}
	if f != float64(int(f)) {
		return 0, fmt.Errorf("%s: %s is %v, want an integer", ConfigFile, key, f)
	}
	return int(f), nil
}

// sortedPatternKeys is used by merges to emit per-module patterns in a stable order.
func sortedPatternKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
