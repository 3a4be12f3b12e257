// Package report renders views of a finished run for people and tools: a
// self-contained HTML report, JUnit XML for CI gates, an action-plan CSV, a
// Markdown summary, the differences between two runs, and the table view of
// a step's stored objects (PowerShell's Format-Table).
//
// Every view is computed from results.json and the run directory's data
// files, never kept on its own: a report can always be rebuilt from the run
// directory, and two reports of one run cannot disagree (DESIGN.md §1:
// report -> results).
package report
