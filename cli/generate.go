package cli

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"manualbot/inference"
	"manualbot/inference/tokenizer"
)

// generateFlags are the flags of generate that have no config key.
type generateFlags struct {
	topK        int
	repPenalty  float64
	promptIDs   string
	jsonOut     bool
	adapters    []string
	composition string
	merge       string
	fused       bool
}

func newGenerateCmd(app *App) *cobra.Command {
	var f generateFlags
	cmd := &cobra.Command{
		Use:   "generate --model DIR [flags] [\"PROMPT\"]",
		Short: "Continue a prompt with the model, streaming tokens to stdout",
		Long: "Tokenizes PROMPT with DIR's tokenizer (adding BOS as the model expects) and streams the\n" +
			"continuation to stdout. --prompt-ids \"1 2 3\" gives token ids instead and bypasses the\n" +
			"tokenizer. --json prints one object at the end: ids (prompt and generated), text,\n" +
			"prompt_tokens, generated_tokens, seconds. A prompt longer than the model's context\n" +
			"window is an error, never truncated.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := runGenerate(cmd, app, f, args); err != nil {
				return fmt.Errorf("generate: %w", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.String("model", "", "model folder: config.json, *.safetensors, tokenizer.json (config model.path)")
	fl.Int("max-tokens", 0, "most tokens to generate (config model.max_tokens)")
	fl.Float64("temperature", 0, "sampling temperature, 0 for greedy (config model.temperature)")
	fl.Float64("top-p", 0, "nucleus sampling mass, 1 for off (config model.top_p)")
	fl.Int64("seed", 0, "sampling seed (config model.seed)")
	fl.IntVar(&f.topK, "top-k", 0, "sample among the K most likely tokens (0: off)")
	fl.Float64Var(&f.repPenalty, "repetition-penalty", 1, "penalise tokens already seen (1: off)")
	fl.StringVar(&f.promptIDs, "prompt-ids", "", "space-separated prompt token ids instead of PROMPT")
	fl.BoolVar(&f.jsonOut, "json", false, "print one JSON object instead of streaming text")
	fl.StringArrayVar(&f.adapters, "adapter", nil, "LoRA adapter folder, optionally DIR:WEIGHT (repeatable)")
	fl.StringVar(&f.merge, "merge", "", "how to merge several adapters: cat (default), linear, ties, dare_linear, dare_ties (dare), svd")
	fl.StringVar(&f.composition, "composition", "", "a composition (adapters tune) by name or folder, instead of --adapter (default: config adapters.composition)")
	fl.BoolVar(&f.fused, "fused", false, "add the adapters into the weights instead of applying them as low-rank factors")
	app.BindFlag("model.path", fl.Lookup("model"))
	app.BindFlag("model.max_tokens", fl.Lookup("max-tokens"))
	app.BindFlag("model.temperature", fl.Lookup("temperature"))
	app.BindFlag("model.top_p", fl.Lookup("top-p"))
	app.BindFlag("model.seed", fl.Lookup("seed"))
	return cmd
}

// generateOutput is the --json object (DESIGN.md's contract).
type generateOutput struct {
	IDs             []int   `json:"ids"`
	Text            string  `json:"text"`
	PromptTokens    int     `json:"prompt_tokens"`
	GeneratedTokens int     `json:"generated_tokens"`
	Seconds         float64 `json:"seconds"`
	StopReason      string  `json:"stop_reason"`
}

func runGenerate(cmd *cobra.Command, app *App, f generateFlags, args []string) error {
	ctx := cmd.Context()
	mc := app.Config.Model
	if mc.Path == "" {
		return errors.New("no model: pass --model DIR or set model.path")
	}
	if f.merge != "" && len(f.adapters) == 0 {
		return errors.New("--merge needs --adapter")
	}
	if (len(args) == 1) == (f.promptIDs != "") {
		return errors.New("give either a PROMPT argument or --prompt-ids, not both or neither")
	}
	// The tokenizer is needed for a text prompt; with --prompt-ids it only decodes output,
	// and a folder without one (a random test model) streams ids instead.
	tok, tokErr := tokenizer.Load(mc.Path)
	var prompt []int
	var err error
	if f.promptIDs != "" {
		if prompt, err = parseIDs(f.promptIDs); err != nil {
			return err
		}
	} else {
		if tokErr != nil {
			return tokErr
		}
		if prompt, err = tok.Encode(args[0], true); err != nil {
			return err
		}
	}
	m, err := inference.Load(ctx, mc.Path, inference.Options{Backend: mc.Backend, Logger: app.Log})
	if err != nil {
		return err
	}
	if f.composition != "" && len(f.adapters) > 0 {
		return errors.New("give --adapter or --composition, not both")
	}
	switch comp := cmp.Or(f.composition, app.Config.Adapters.Composition); {
	case len(f.adapters) > 0:
		if _, err := applyAdapters(ctx, app, m, f.adapters, f.merge, f.fused); err != nil {
			return err
		}
	case comp != "":
		if _, err := applyComposition(ctx, app, m, comp, f.fused); err != nil {
			return err
		}
	}
	req := inference.GenerateRequest{
		PromptIDs: prompt, MaxTokens: mc.MaxTokens, Temperature: mc.Temperature, TopP: mc.TopP,
		TopK: f.topK, RepetitionPenalty: f.repPenalty, Seed: mc.Seed,
	}
	if tokErr == nil {
		req.StopIDs = tok.EOS()
	}
	stream := &tokenStream{w: app.Stdout, quiet: f.jsonOut}
	if tokErr == nil {
		stream.dec = tok.NewStreamDecoder(true)
	}
	start := time.Now()
	res, genErr := m.Generate(ctx, req, stream.push)
	if res == nil {
		return genErr
	}
	if genErr == nil {
		genErr = stream.finish()
	}
	if genErr != nil {
		return genErr
	}
	if !f.jsonOut {
		return nil
	}
	out := generateOutput{
		IDs: append(append([]int{}, prompt...), res.IDs...), PromptTokens: res.PromptTokens,
		GeneratedTokens: len(res.IDs), Seconds: time.Since(start).Seconds(), StopReason: res.StopReason,
	}
	if tokErr == nil {
		if out.Text, err = tok.Decode(res.IDs, true); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(app.Stdout)
	return enc.Encode(out)
}

// tokenStream writes generated tokens as they come: decoded text when a tokenizer is
// there, space-separated ids otherwise; nothing with quiet (--json).
type tokenStream struct {
	w     io.Writer
	dec   *tokenizer.StreamDecoder
	quiet bool
	n     int
}

func (s *tokenStream) push(id int) error {
	s.n++
	if s.quiet {
		return nil
	}
	if s.dec == nil {
		sep := " "
		if s.n == 1 {
			sep = ""
		}
		_, err := fmt.Fprintf(s.w, "%s%d", sep, id)
		return err
	}
	text, err := s.dec.Push(id)
	if err != nil {
		return err
	}
	_, err = io.WriteString(s.w, text)
	return err
}

func (s *tokenStream) finish() error {
	if s.quiet {
		return nil
	}
	tail := ""
	if s.dec != nil {
		tail = s.dec.Flush()
	}
	_, err := io.WriteString(s.w, tail+"\n")
	return err
}

// parseIDs reads "1 2 3" (spaces or commas) into token ids.
func parseIDs(s string) ([]int, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' })
	if len(fields) == 0 {
		return nil, errors.New("--prompt-ids is empty")
	}
	ids := make([]int, len(fields))
	for i, f := range fields {
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("--prompt-ids: %q is not an integer", f)
		}
		ids[i] = v
	}
	return ids, nil
}
