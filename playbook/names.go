package playbook

import (
	"fmt"
	"strings"
)

// Tenant names and step ids become file names in the run directory
// (data/<tenant>/<step-id>.jsonl, see results.DataPath), and the playbook's
// name becomes part of the run directory's name. The loader accepts only
// names that are already safe file names, so the path is the name itself:
// letters, digits, '.', '_' and '-' (labelRE), not ending in '.' or '-'
// (Windows drops a trailing '.', and results.Slug trims both, so "contoso",
// "contoso." and "contoso-" would share one data folder), at most
// MaxNameLen bytes (a file name is at most 255 bytes, and the spool adds a
// suffix), and unique ignoring case (macOS and Windows file systems ignore
// case, so "MBX" and "mbx" would share a file).
//
// This is the one home of the file-name rule for names. results takes the
// names as given and refuses, rather than rewrites, one that breaks it.

// MaxNameLen is the longest tenant name, step id or playbook name, in bytes.
const MaxNameLen = 128

// nameProblem says why name cannot be a tenant name or step id ("" if it can).
func nameProblem(name string) string {
	switch {
	case len(name) > MaxNameLen:
		return fmt.Sprintf("is %d bytes long; names become file names in the run directory and may be at most %d bytes", len(name), MaxNameLen)
	case !labelRE.MatchString(name):
		return "may hold only letters, digits, '.', '_' and '-', starting with a letter or digit (it is used in --limit and in file names)"
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, "-"):
		return "may not end in '.' or '-': it would name the same file as the name without it"
	}
	return ""
}

// fileKey is how two names compare as file names: ignoring case.
func fileKey(name string) string { return strings.ToLower(name) }
