package configs

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// freeFormSections are map-valued keys whose sub-keys are the user's own (channel ids),
// not settings.
var freeFormSections = []string{"slack.channel_products"}

// checkKeys refuses keys of the config file that no setting has. Viper ignores them, so a
// misspelt "retrival:" or "max_token:" would silently leave the default in force while the
// user believes the file's value is. Each is named with the known key it most resembles.
func checkKeys(v *viper.Viper, file string) error {
	known := defaults()
	var errs []error
	for _, key := range v.AllKeys() {
		if _, ok := known[key]; ok || freeForm(key) {
			continue
		}
		msg := fmt.Sprintf("unknown key %q in %s", key, file)
		if guess := closestKey(key, known); guess != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", guess)
		}
		errs = append(errs, errors.New(msg))
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return fmt.Errorf("%w: %w", errInvalid, errors.Join(errs...))
}

func freeForm(key string) bool {
	for _, s := range freeFormSections {
		if strings.HasPrefix(key, s+".") {
			return true
		}
	}
	return false
}

// closestKey is the known key nearest to key by edit distance, if it is near enough to
// be a typo (at most a third of the key's length).
func closestKey(key string, known map[string]any) string {
	best, bestD := "", len(key)/3+1
	for k := range known {
		if d := editDistance(key, k); d < bestD || (d == bestD && best != "" && k < best) {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes (keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// decodeError turns mapstructure's multi-line "decoding failed due to the following
// error(s)" into one "key: value is not a valid type" per bad value, the way Validate
// reports its problems. Errors it cannot attribute to a key are kept as they are.
func decodeError(v *viper.Viper, err error) error {
	var errs []error
	var walk func(error)
	walk = func(e error) {
		var de *mapstructure.DecodeError
		switch {
		case isJoined(e):
			for _, inner := range e.(interface{ Unwrap() []error }).Unwrap() {
				walk(inner)
			}
		case isJoined(errors.Unwrap(e)): // the "decoding failed" wrapper
			walk(errors.Unwrap(e))
		case errors.As(e, &de):
			errs = append(errs, fmt.Errorf("%s: %s", de.Name(), badValue(v, de)))
		default:
			errs = append(errs, e)
		}
	}
	walk(err)
	return fmt.Errorf("%w: %w", errInvalid, errors.Join(errs...))
}

func isJoined(e error) bool {
	_, ok := e.(interface{ Unwrap() []error })
	return ok
}

// badValue says what is wrong with the value of de's key, quoting the value as given.
func badValue(v *viper.Viper, de *mapstructure.DecodeError) string {
	val := v.Get(de.Name())
	if _, ok := defaults()[de.Name()].(time.Duration); ok {
		return fmt.Sprintf("%q is not a duration such as 250ms, 30s or 1m", fmt.Sprint(val))
	}
	var pe *mapstructure.ParseError
	if errors.As(de, &pe) && pe.Expected.IsValid() {
		return fmt.Sprintf("%q is not a valid %s", fmt.Sprint(val), typeName(pe.Expected.Type()))
	}
	var ue *mapstructure.UnconvertibleTypeError
	if errors.As(de, &ue) && ue.Expected.IsValid() {
		return fmt.Sprintf("%q is not a valid %s", fmt.Sprint(val), typeName(ue.Expected.Type()))
	}
	return fmt.Sprintf("%q: %v", fmt.Sprint(val), errors.Unwrap(de))
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	case reflect.Map:
		return "map"
	}
	return t.String()
}
