package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"manualbot/index"
)

// checkFilters refuses a product or version filter that no chunk of the index carries.
// A misspelt --product (or one a manual was never ingested with) would otherwise give
// "No passages match", and the user would conclude the manuals do not cover the
// question. search asks it only when a filtered search found nothing, so it costs nothing
// on the usual path; ask checks the product up front (one facet query, next to a
// generation).
func checkFilters(ctx context.Context, s *index.Store, product, version string) error {
	if product == "" && version == "" {
		return nil
	}
	st, err := s.Stats(ctx)
	if err != nil {
		return err
	}
	if err := checkLabel("product", product, facetValues(st.Products)); err != nil {
		return err
	}
	return checkLabel("version", version, facetValues(st.Versions))
}

func facetValues(fs []index.Facet) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Value)
	}
	return out
}

// checkLabel says, when value is set and not among known, which labels the index has.
func checkLabel(what, value string, known []string) error {
	if value == "" || slices.Contains(known, value) {
		return nil
	}
	known = slices.DeleteFunc(slices.Clone(known), func(k string) bool { return k == "" }) // unlabelled manuals
	if len(known) == 0 {
		return fmt.Errorf("no manual in the index has %s %q: none was ingested with --%s", what, value, what)
	}
	known = slices.Sorted(slices.Values(known))
	return fmt.Errorf("no manual in the index has %s %q (the index has %s)", what, value, strings.Join(known, ", "))
}
