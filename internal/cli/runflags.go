package cli

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/report"
)

// logLevels and logFormats are what --log-level and --log-format take.
// zerolog also parses trace, fatal, panic and disabled, which the help never
// offered: `--log-level trace` was accepted and logged like debug, and
// `--log-format xml` was accepted and wrote console lines.
var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"console", "json"}
)

// addOutputFlags adds the flags run and audit share for what a run prints
// and writes besides its results: --format (formatUsage: audit's text is a
// table per control), progress, logs, the report, the network and --fail-on.
// Each takes only the values listed (choice), so a typo is exit 2 before
// anything is read or sent.
func (o *runOptions) addOutputFlags(f *pflag.FlagSet, formatUsage string) {
	formatVar(f, &o.format, formatUsage, resultsFormats)
	choiceVar(f, &o.progress, "progress", "auto", "progress on stderr: auto|plain|none", "auto", "plain", "none")
	choiceVar(f, &o.logLevel, "log-level", "warn", "stderr log level: debug|info|warn|error (exoplay.log gets info and up, or debug)", logLevels...)
	choiceVar(f, &o.logFormat, "log-format", "console", "stderr log format: console|json", logFormats...)
	choiceVar(f, &o.report, "report", "", "also write a report into the run directory: html|junit|csv|markdown (see `exoplay report`)", report.Formats...)
	addNetworkFlags(f, &o.network)
	addFailOnFlag(f, &o.failOn)
}

func addFailOnFlag(f *pflag.FlagSet, failOn *string) {
	choiceVar(f, failOn, "fail-on", "", "exit 3 only when a control of this severity or above fails: "+strings.Join(playbook.Severities, "|")+" (default: any severity)", playbook.Severities...)
}
