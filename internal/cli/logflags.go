package cli

import (
	"slices"
	"strings"

	"github.com/rs/zerolog"
)

// logLevels and logFormats are what --log-level and --log-format take.
// zerolog also parses trace, fatal, panic and disabled, which the help never
// offered: `--log-level trace` was accepted and logged like debug, and
// `--log-format xml` was accepted and wrote console lines.
var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"console", "json"}
)

// parseLogFlags checks --log-level and --log-format (exit 2 otherwise).
func parseLogFlags(level, format string) (zerolog.Level, error) {
	if !slices.Contains(logLevels, level) {
		return 0, exitf(ExitInvalid, "--log-level must be %s, not %q", strings.Join(logLevels, ", "), level)
	}
	if !slices.Contains(logFormats, format) {
		return 0, exitf(ExitInvalid, "--log-format must be %s, not %q", strings.Join(logFormats, " or "), format)
	}
	return zerolog.ParseLevel(level)
}
