package cli

// checkResultsFormat is the one rule for --format of the commands that print
// a run's results (run, merge): the four forms results.Print writes.
func checkResultsFormat(format string) error {
	switch format {
	case "text", "json", "jsonl", "csv":
		return nil
	}
	return exitf(ExitInvalid, "--format must be text, json, jsonl or csv, not %q", format)
}
