package cli

import (
	"encoding/json"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// The value lists of the enumerated flags several commands take.
var (
	// textOrJSON is --format of the commands that print either words for a
	// person or one JSON document.
	textOrJSON = []string{"text", "json"}
	// resultsFormats is --format of the commands that print a run's results
	// (run, audit, merge): the four forms results.Print writes.
	resultsFormats = []string{"text", "json", "jsonl", "csv"}
)

// choice is a string flag that takes one value of a fixed list. A value off
// the list is bad input (exit 2) the moment the command line is parsed,
// before any file is read or request sent, with the one message every such
// flag gives: `--format must be text or json, not "xml"`. Commands read the
// value as the plain string it points at.
type choice struct {
	name, def string
	p         *string
	values    []string
}

// choiceVar defines the flag name on fs, stored in p, with the default value
// (which need not be on the list: "" can mean "not given", and can be given).
func choiceVar(fs *pflag.FlagSet, p *string, name, value, usage string, values ...string) {
	*p = value
	fs.Var(&choice{name: name, def: value, p: p, values: values}, name, usage)
}

// formatVar defines --format with the default values[0].
func formatVar(fs *pflag.FlagSet, p *string, usage string, values []string) {
	choiceVar(fs, p, "format", values[0], usage, values...)
}

func (c *choice) Set(v string) error {
	if v != c.def && !slices.Contains(c.values, v) {
		return exitf(ExitInvalid, "--%s must be %s, not %q", c.name, orList(c.values), v)
	}
	*c.p = v
	return nil
}

func (c *choice) String() string { return *c.p }

// Type is what --help shows after the flag's name: its values are strings.
func (c *choice) Type() string { return "string" }

// orList spells values as "a, b or c".
func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

// writeJSON writes v as indented JSON: the --format json output of every
// command that prints one document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
