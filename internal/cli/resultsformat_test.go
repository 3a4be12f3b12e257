package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// run and merge share one --format rule: an unknown form is bad input
// (exit 2), named in the error, before anything is read or sent.
func TestResultsFormatRuleSharedByRunAndMerge(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"run", dir + "/missing.yaml", "--format", "xml"},
		{"merge", dir, "--out", dir + "/merged", "--format", "xml"},
	} {
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, strings.NewReader(""), &out, &errb)
		if code != ExitInvalid || !strings.Contains(errb.String(), `--format must be text, json, jsonl or csv, not "xml"`) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d naming the format", args, code, errb.String(), out.String(), ExitInvalid)
		}
	}
	for _, f := range []string{"text", "json", "jsonl", "csv"} {
		if err := checkResultsFormat(f); err != nil {
			t.Errorf("checkResultsFormat(%q) = %v", f, err)
		}
	}
}
