package tokenizer

import (
	"encoding/json"
	"fmt"
)

// template is what a post-processor adds around a single encoded sequence when special
// tokens are requested: prefix (e.g. BOS) and suffix (e.g. EOS) ids.
type template struct {
	prefix, suffix []int
}

func parsePostProcessor(raw json.RawMessage, tokenID func(string) (int, bool)) (template, error) {
	if isNull(raw) {
		return template{}, nil
	}
	var head struct {
		Type       string            `json:"type"`
		Processors []json.RawMessage `json:"processors"`
		Single     []struct {
			SpecialToken *struct {
				ID string `json:"id"`
			} `json:"SpecialToken"`
			Sequence *struct {
				ID string `json:"id"`
			} `json:"Sequence"`
		} `json:"single"`
		SpecialTokens map[string]struct {
			IDs []int `json:"ids"`
		} `json:"special_tokens"`
		Cls []json.RawMessage `json:"cls"`
		Sep []json.RawMessage `json:"sep"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return template{}, fmt.Errorf("post_processor: %w", err)
	}
	switch head.Type {
	case "ByteLevel":
		return template{}, nil // only adjusts offsets
	case "Sequence":
		var out template
		for i, r := range head.Processors {
			t, err := parsePostProcessor(r, tokenID)
			if err != nil {
				return template{}, fmt.Errorf("post_processor sequence item %d: %w", i, err)
			}
			out.prefix = append(out.prefix, t.prefix...)
			out.suffix = append(t.suffix, out.suffix...)
		}
		return out, nil
	case "TemplateProcessing":
		var out template
		seen := false
		for _, it := range head.Single {
			switch {
			case it.Sequence != nil:
				seen = true
			case it.SpecialToken != nil:
				st, ok := head.SpecialTokens[it.SpecialToken.ID]
				if !ok {
					return template{}, fmt.Errorf("template special token %q has no ids", it.SpecialToken.ID)
				}
				if seen {
					out.suffix = append(out.suffix, st.IDs...)
				} else {
					out.prefix = append(out.prefix, st.IDs...)
				}
			}
		}
		return out, nil
	case "RobertaProcessing", "BertProcessing":
		cls, err := processorToken(head.Cls)
		if err != nil {
			return template{}, fmt.Errorf("%s cls: %w", head.Type, err)
		}
		sep, err := processorToken(head.Sep)
		if err != nil {
			return template{}, fmt.Errorf("%s sep: %w", head.Type, err)
		}
		return template{prefix: []int{cls}, suffix: []int{sep}}, nil
	}
	return template{}, fmt.Errorf("unsupported post_processor type %q", head.Type)
}

// processorToken reads a ["token", id] pair.
func processorToken(pair []json.RawMessage) (int, error) {
	if len(pair) != 2 {
		return 0, fmt.Errorf("want [token, id], got %d items", len(pair))
	}
	var id int
	if err := json.Unmarshal(pair[1], &id); err != nil {
		return 0, err
	}
	return id, nil
}
