package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// Figure is one measured number, with the aim it is judged against.
type Figure struct {
	Scenario string  `json:"scenario"`
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Shown    string  `json:"shown"`         // Value as the table prints it
	Aim      string  `json:"aim,omitempty"` // "" = informational
	Met      *bool   `json:"met,omitempty"` // nil = informational
	Command  string  `json:"command"`       // reproduces the figure
	Detail   string  `json:"detail,omitempty"`
}

// Report is what bench/out/*.json holds.
type Report struct {
	Date    time.Time         `json:"date"`
	Machine Machine           `json:"machine"`
	Options map[string]string `json:"options"`
	Figures []Figure          `json:"figures"`
	// Conditions: how busy the (shared) machine was before each measured run.
	Conditions []Condition `json:"conditions"`
	Errors     []string    `json:"errors,omitempty"` // scenarios that could not be measured
	Duration   float64     `json:"duration_seconds"`
}

func metStr(m *bool) string {
	switch {
	case m == nil:
		return "-"
	case *m:
		return "yes"
	}
	return "NO"
}

func boolPtr(b bool) *bool { return &b }

// printTable writes the figures as an aligned text table.
func printTable(w io.Writer, figs []Figure) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tVALUE\tAIM\tMET\tCOMMAND")
	for _, f := range figs {
		aim := f.Aim
		if aim == "" {
			aim = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, f.Shown, aim, metStr(f.Met), f.Command)
	}
	tw.Flush()
}

// printMarkdown writes the figures as a Markdown table (for bench/README.md).
func printMarkdown(w io.Writer, figs []Figure) {
	fmt.Fprintln(w, "| figure | value | aim | met | command |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	cell := strings.NewReplacer("|", "\\|").Replace
	for _, f := range figs {
		aim := f.Aim
		if aim == "" {
			aim = "-"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | `%s` |\n", cell(f.Name), cell(f.Shown), cell(aim), metStr(f.Met), f.Command)
	}
}

// writeReport stores r as out/bench-<UTC time>.json and out/latest.json.
func writeReport(out string, r *Report) (string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("bench: create %s: %w", out, err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	b = append(b, '\n')
	p := filepath.Join(out, "bench-"+r.Date.UTC().Format("20060102T150405Z")+".json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return "", fmt.Errorf("bench: write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, "latest.json"), b, 0o644); err != nil {
		return "", fmt.Errorf("bench: write report: %w", err)
	}
	return p, nil
}

// Formatting helpers shared by the scenarios.
func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
func millis(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }
