package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"manualbot/inference/tokenizer"
)

// maxTokenizeLine bounds one input line; a whole manual section fits comfortably.
const maxTokenizeLine = 64 << 20

func newTokenizeCmd(app *App) *cobra.Command {
	var addSpecial bool
	cmd := &cobra.Command{
		Use:   "tokenize --model DIR",
		Short: "Encode JSON strings from stdin (one a line) to JSON arrays of token ids",
		Long: "Reads one JSON string per line from stdin and writes the token ids of each as a JSON array,\n" +
			"one line per input line. DIR needs only tokenizer.json (and tokenizer_config.json for BOS/EOS).\n" +
			"Special-token text in the input (e.g. \"<|eot_id|>\") becomes its id; --add-special also adds\n" +
			"what the model puts around a sequence (usually BOS).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := app.Config.Model.Path
			if dir == "" {
				return errors.New("tokenize: no model: pass --model DIR or set model.path")
			}
			tok, err := tokenizer.Load(dir)
			if err != nil {
				return fmt.Errorf("tokenize: %w", err)
			}
			return tokenizeLines(app, tok, addSpecial)
		},
	}
	cmd.Flags().String("model", "", "model folder holding tokenizer.json (config model.path)")
	cmd.Flags().BoolVar(&addSpecial, "add-special", false, "add BOS/EOS as the model's tokenizer config says")
	app.BindFlag("model.path", cmd.Flags().Lookup("model"))
	return cmd
}

// tokenizeLines streams stdin to stdout line by line, so long inputs need no memory
// beyond one line; the first bad line stops it with an error naming the line.
func tokenizeLines(app *App, tok *tokenizer.Tokenizer, addSpecial bool) error {
	in := bufio.NewScanner(app.Stdin)
	in.Buffer(make([]byte, 64<<10), maxTokenizeLine)
	out := bufio.NewWriter(app.Stdout)
	var buf []byte
	line := 0
	for in.Scan() {
		line++
		var text string
		if err := json.Unmarshal(in.Bytes(), &text); err != nil {
			out.Flush()
			return fmt.Errorf("tokenize: line %d: not a JSON string: %w", line, err)
		}
		ids, err := tok.Encode(text, addSpecial)
		if err != nil {
			out.Flush()
			return fmt.Errorf("tokenize: line %d: %w", line, err)
		}
		buf = append(buf[:0], '[')
		for i, id := range ids {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendInt(buf, int64(id), 10)
		}
		buf = append(buf, ']', '\n')
		if _, err := out.Write(buf); err != nil {
			return fmt.Errorf("tokenize: write: %w", err)
		}
	}
	if err := in.Err(); err != nil {
		out.Flush()
		return fmt.Errorf("tokenize: line %d: read: %w", line+1, err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("tokenize: write: %w", err)
	}
	return nil
}
