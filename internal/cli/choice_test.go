package cli

import (
	"testing"

	"github.com/spf13/pflag"
)

// Every enumerated flag has one rule (choice): a value off its list is bad
// input (exit 2), named in one message, before anything is read or sent, and
// nothing reaches stdout. The paths below do not exist: the flag is refused
// before any of them is opened.
func TestChoiceFlagsRefuseUnknownValues(t *testing.T) {
	dir := t.TempDir()
	pb, run := dir+"/missing.yaml", dir+"/run"
	textOrJSONMsg := `--format must be text or json, not "xml"`
	results := `--format must be text, json, jsonl or csv, not "xml"`
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"cmdlet", "show", "Get-Mailbox", "--format", "xml"}, textOrJSONMsg},
		{[]string{"cmdlet", "list", "--format", "xml"}, textOrJSONMsg},
		{[]string{"diff", run, run, "--format", "xml"}, textOrJSONMsg},
		{[]string{"verify", run, "--format", "xml"}, textOrJSONMsg},
		{[]string{"plan", pb, "--format", "xml"}, textOrJSONMsg},
		{[]string{"preflight", pb, "--format", "xml"}, textOrJSONMsg},
		{[]string{"validate", pb, "--format", "xml"}, textOrJSONMsg},
		{[]string{"auth", "status", "--format", "xml"}, textOrJSONMsg},
		{[]string{"baseline", "list", "--format", "xml"}, textOrJSONMsg},
		{[]string{"baseline", "show", "EXO-01", "--format", "xml"}, textOrJSONMsg},
		{[]string{"show", run, "--format", "xml"}, `--format must be table, csv or json, not "xml"`},
		{[]string{"report", run, "--format", "xml"}, `--format must be html, junit, csv or markdown, not "xml"`},
		{[]string{"run", pb, "--format", "xml"}, results},
		{[]string{"audit", pb, "--format", "xml"}, results},
		{[]string{"merge", run, "--out", dir + "/merged", "--format", "xml"}, results},
		{[]string{"run", pb, "--progress", "quiet"}, `--progress must be auto, plain or none, not "quiet"`},
		{[]string{"audit", pb, "--log-format", "xml"}, `--log-format must be console or json, not "xml"`},
		{[]string{"run", pb, "--report", "pdf"}, `--report must be html, junit, csv or markdown, not "pdf"`},
		{[]string{"audit", pb, "--fail-on", "severe"}, `--fail-on must be info, low, medium, high or critical, not "severe"`},
		{[]string{"run", pb, "--notify-format", "xml"}, `--notify-format must be json, teams or slack, not "xml"`},
		{[]string{"merge", run, "--out", dir + "/merged", "--notify-on", "never"}, `--notify-on must be always or failure, not "never"`},
	} {
		code, stdout, stderr := runMain(t, c.args...)
		if want := "exoplay: " + c.want + "\n"; code != ExitInvalid || stderr != want || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d and stderr %q", c.args, code, stderr, stdout, ExitInvalid, want)
		}
	}
}

// A choice takes each value of its list, and its default even when that is
// not on the list (--report "" is "no report", as when it is left out).
func TestChoiceTakesItsValuesAndDefault(t *testing.T) {
	var o runOptions
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	o.addOutputFlags(fs, "")
	if o.format != "text" || o.progress != "auto" || o.logLevel != "warn" || o.logFormat != "console" || o.report != "" || o.failOn != "" {
		t.Fatalf("defaults: %+v", o)
	}
	for _, v := range resultsFormats {
		if err := fs.Parse([]string{"--format", v}); err != nil || o.format != v {
			t.Errorf("--format %s: %v, got %q", v, err, o.format)
		}
	}
	if err := fs.Parse([]string{"--report", "junit", "--report", "", "--fail-on", "high"}); err != nil || o.report != "" || o.failOn != "high" {
		t.Errorf("--report junit then \"\": %v, report %q, fail-on %q", err, o.report, o.failOn)
	}
	if fs.Lookup("format").Value.Type() != "string" || fs.Lookup("format").DefValue != "text" {
		t.Errorf("--help shows --format as %s (default %q), want string (default \"text\")", fs.Lookup("format").Value.Type(), fs.Lookup("format").DefValue)
	}
}
