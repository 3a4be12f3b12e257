package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/exoplay/exoplay/internal/category"
	"github.com/exoplay/exoplay/results"
)

// nonFinite finds a NaN or ±Inf in a cell's parameters (a YAML .nan, an
// expression dividing by zero) and names it. JSON has no such numbers, so
// the call cannot be sent, and in --check the would_run record could not be
// written either: the journal and results.json failed to encode and the
// run ended without results.json.
func nonFinite(params map[string]any) *results.Error {
	if !hasNonFinite(params) {
		return nil // the common case, per cell: no names sorted, no paths built
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if where, f, ok := findNonFinite(params[k], k); ok {
			return &results.Error{Category: category.Validation, Code: "parameter_value",
				Message: fmt.Sprintf("parameter %s is %v: JSON, and so Exchange Online, has no such number; not sent", where, f)}
		}
	}
	return nil
}

// hasNonFinite reports whether v holds a NaN or ±Inf (findNonFinite
// without the path it names).
func hasNonFinite(v any) bool {
	switch t := v.(type) {
	case float64:
		return math.IsNaN(t) || math.IsInf(t, 0)
	case float32:
		return math.IsNaN(float64(t)) || math.IsInf(float64(t), 0)
	case []any:
		return slices.ContainsFunc(t, hasNonFinite)
	case map[string]any:
		for _, e := range t {
			if hasNonFinite(e) {
				return true
			}
		}
	}
	return false
}

func findNonFinite(v any, path string) (string, float64, bool) {
	switch t := v.(type) {
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return path, t, true
		}
	case float32:
		if f := float64(t); math.IsNaN(f) || math.IsInf(f, 0) {
			return path, f, true
		}
	case []any:
		for i, e := range t {
			if w, f, ok := findNonFinite(e, fmt.Sprintf("%s[%d]", path, i)); ok {
				return w, f, true
			}
		}
	case map[string]any:
		for k, e := range t {
			if w, f, ok := findNonFinite(e, path+"."+k); ok {
				return w, f, true
			}
		}
	}
	return "", 0, false
}

// decodeObject decodes one object of a cmdlet's output for register and
// result. A number beyond float64 (1e700 from a hostile or odd service)
// failed the step with a bare "json: cannot unmarshal number"; it is kept as
// a json.Number instead (its text, which expressions read as a string), and
// only JSON that is not valid is an error, saying so.
func decodeObject(b []byte) (any, error) {
	var v any
	err := json.Unmarshal(b, &v)
	if err == nil {
		return v, nil
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Value == "number" || strings.Contains(err.Error(), "cannot unmarshal number") {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		v = nil
		if err2 := d.Decode(&v); err2 == nil {
			return v, nil
		}
	}
	return nil, fmt.Errorf("the service returned an object that cannot be read: %w", err)
}
