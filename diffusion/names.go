package diffusion

import (
	"fmt"
	"strings"
)

// The enumerations of the package (NoiseKind, Method, ScheduleKind, Decay,
// Loss, NormKind) are integers with a name each. Their String, Parse and
// text marshalling share these functions; the names are what the command's
// flags and the checkpoints' JSON use, so a configuration written by an
// older version, where these were strings, still loads.

// enumString returns names[e], or Type(e) for a value out of range.
func enumString[E ~int](e E, names []string, typ string) string {
	if e >= 0 && int(e) < len(names) {
		return names[e]
	}
	return fmt.Sprintf("%s(%d)", typ, int(e))
}

// enumParse returns the value named s (any case), or an error saying what
// was expected.
func enumParse[E ~int](s string, names []string, what string) (E, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return E(i), nil
		}
	}
	return 0, fmt.Errorf("diffusion: unknown %s %q (want %s)", what, s, enumList(names))
}

// enumList returns "a, b or c".
func enumList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// enumValid reports whether e is one of the named values.
func enumValid[E ~int](e E, names []string) bool { return e >= 0 && int(e) < len(names) }

// enumMarshal returns the name of e, or an error for a value out of range.
func enumMarshal[E ~int](e E, names []string, what string) ([]byte, error) {
	if !enumValid(e, names) {
		return nil, fmt.Errorf("diffusion: invalid %s %d", what, int(e))
	}
	return []byte(names[e]), nil
}

// enumUnmarshal sets *e to the value named b, leaving it unchanged on error.
func enumUnmarshal[E ~int](e *E, b []byte, parse func(string) (E, error)) error {
	v, err := parse(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}
