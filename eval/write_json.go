package eval

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes the report as one indented JSON object; withRecords adds every
// answer (large, but what an error analysis needs).
func WriteJSON(w io.Writer, rep *Report, withRecords bool) error {
	r := *rep
	if !withRecords {
		r.Records = nil
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&r); err != nil {
		return fmt.Errorf("write report JSON: %w", err)
	}
	return nil
}
