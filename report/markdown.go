package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes a summary for a pull request, a ticket or a chat:
// the header, counts by result, one line per control, the failing cells and
// the operational issues.
func WriteMarkdown(w io.Writer, v *View) error {
	p := &mdPrinter{}
	p.f("# exoplay report: %s\n\n", md(v.Run.Playbook))
	p.f("Run `%s` · mode %s · %s · exoplay %s · playbook sha256 `%.12s` · exit code %d\n\n",
		v.Run.ID, v.Run.Mode, v.Run.Started.UTC().Format("2006-01-02 15:04 UTC"), md(v.Run.Version), v.Run.PlaybookSHA, v.Run.ExitCode)
	if v.Run.Partial {
		p.f("> **Partial run:** %s.\n\n", md(v.Run.PartialReason))
	}
	p.f("%d tenant(s), %d control(s).", len(v.Tenants), len(v.Controls))
	for _, r := range resultOrder {
		if n := v.Counts[r]; n > 0 {
			p.f(" %s: %d.", label(r), n)
		}
	}
	p.f(" Operational issues: %d.\n", len(v.Ops))
	if len(v.Controls) > 0 {
		p.f("\n## Controls\n\n| control | severity | compliant | fail | error | title |\n|---|---|---|---|---|---|\n")
		for _, c := range v.Controls {
			comp := "–"
			if c.Compliant >= 0 {
				comp = fmt.Sprintf("%.0f%%", c.Compliant*100)
			}
			p.f("| %s | %s | %s | %d | %d | %s |\n", md(c.ID), md(c.Severity), comp, c.Counts[Fail], c.Counts[Error], md(c.Title))
		}
	}
	var failing []*Finding
	for _, c := range v.Controls {
		failing = append(failing, c.Failing...)
	}
	if len(failing) > 0 {
		p.f("\n## Findings to act on\n\n| tenant | control | result | detail |\n|---|---|---|---|\n")
		for _, f := range failing {
			p.f("| %s | %s | %s | %s |\n", md(f.Tenant), md(f.Control), f.Result, md(strings.ReplaceAll(findingDetail(f, true), "\n", "; ")))
		}
	}
	if len(v.Ops) > 0 {
		p.f("\n## Operations\n\n| tenant | step | kind | detail |\n|---|---|---|---|\n")
		for _, o := range v.Ops {
			p.f("| %s | %s | %s | %s |\n", md(o.Tenant), md(o.Step), o.Kind, md(o.Detail))
		}
	}
	if c := v.Changes; c != nil {
		p.f("\n## Changes since %s\n\n", c.Previous)
		writeChangesText(p, c, true)
	}
	return p.writeTo(w)
}

// mdPrinter builds a report in memory; the writer gets it in one write, so
// there is one error to check, not one per line.
type mdPrinter struct{ b strings.Builder }

func (p *mdPrinter) f(format string, args ...any) { fmt.Fprintf(&p.b, format, args...) }

func (p *mdPrinter) writeTo(w io.Writer) error {
	_, err := io.WriteString(w, p.b.String())
	return err
}

// md escapes what would break a table cell or start markup.
func md(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// writeChangesText lists changes as text (markdown: as bullet lists).
func writeChangesText(p *mdPrinter, c *Changes, markdown bool) {
	esc := func(s string) string { return s }
	if markdown {
		esc = md
	}
	if c.Empty() {
		p.f("No change.\n")
		return
	}
	names := func(title string, xs []string) {
		if len(xs) > 0 {
			p.f("%s (%d): %s\n", title, len(xs), esc(strings.Join(xs, ", ")))
		}
	}
	names("Tenants added", c.TenantsAdded)
	names("Tenants removed", c.TenantsRemoved)
	names("Controls added", c.ControlsAdded)
	names("Controls removed", c.ControlsRemoved)
	list := func(title string, xs []Change) {
		if len(xs) == 0 {
			return
		}
		p.f("\n%s (%d):\n", title, len(xs))
		for _, x := range xs {
			before := x.Before
			if before == "" {
				before = "-"
			}
			sev := ""
			if x.Severity != "" {
				sev = " [" + x.Severity + "]"
			}
			p.f("  - %s %s%s: %s -> %s\n", esc(x.Tenant), esc(x.Control), esc(sev), before, x.After)
		}
	}
	list("Newly failing", c.NewlyFailing)
	list("Newly fixed", c.NewlyFixed)
	list("Waivers added", c.WaiversAdded)
	list("Waivers expired or removed", c.WaiversExpired)
	list("Other changes", c.Other)
}

// WriteChanges writes the differences between two runs as text.
func WriteChanges(w io.Writer, c *Changes) error {
	p := &mdPrinter{}
	p.f("Changes from %s to %s\n\n", c.Previous, c.Current)
	writeChangesText(p, c, false)
	return p.writeTo(w)
}
