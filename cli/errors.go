package cli

import "strings"

// oneLine folds a (possibly joined, multi-line) error into one line for stderr, as Unix
// tools print errors; the full detail is still in the debug log.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}
