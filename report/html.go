package report

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/exoplay/exoplay/results"
)

//go:embed report.html.tmpl
var htmlTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": func(f float64) string {
		if f < 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", f*100)
	},
	"width": func(f float64) string { return fmt.Sprintf("%.1f", max(f, 0)*100) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"dur": func(s float64) string {
		return time.Duration(s * float64(time.Second)).Round(100 * time.Millisecond).String()
	},
	"join":       strings.Join,
	"label":      label,
	"short":      shortResult,
	"lower":      strings.ToLower,
	"anchor":     anchor,
	"count":      func(m map[string]int, k string) int { return m[k] },
	"changeList": func(title, id string, items []Change) changeList { return changeList{title, id, items} },
	"sevOr": func(s string) string {
		if s == "" {
			return "none"
		}
		return strings.ToLower(s)
	},
}).Parse(htmlTemplate))

// htmlData is what the template reads.
type htmlData struct {
	*View
	Top        []*Control
	Groups     []string
	Severities []string
	Results    []string
	// ResultsGz is results.json, gzip-compressed and base64-encoded,
	// embedded so the report is evidence on its own: it is most of a
	// large report's bytes uncompressed (15 of 25 MB for 300 tenants).
	// template.HTML: the base64 alphabet holds nothing HTML or a script
	// element would read as markup, and the script's text is not decoded.
	ResultsGz template.HTML

	tenantGroups map[string]string
}

// WriteHTML writes the report as one self-contained HTML file: styles and
// the few lines of script for the filters are inline, results.json is
// embedded (gzip, base64), nothing is fetched. Without script it still
// shows everything, and it prints (one tenant's section alone, too).
func WriteHTML(w io.Writer, v *View, r *results.Results) error {
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(zw).Encode(r); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	d := htmlData{View: v, Top: v.TopFailing(10), ResultsGz: template.HTML(base64.StdEncoding.EncodeToString(gz.Bytes()))}
	groups, sevs := map[string]bool{}, map[string]bool{}
	for _, t := range v.Tenants {
		for _, g := range t.Groups {
			groups[g] = true
		}
	}
	for _, c := range v.Controls {
		sevs[strings.ToLower(c.Severity)] = true
	}
	for g := range groups {
		d.Groups = append(d.Groups, g)
	}
	sort.Strings(d.Groups)
	for _, s := range []string{"critical", "high", "medium", "low", "info", ""} {
		if sevs[s] {
			if s == "" {
				s = "none"
			}
			d.Severities = append(d.Severities, s)
		}
	}
	for _, res := range resultOrder {
		if v.Counts[res] > 0 {
			d.Results = append(d.Results, res)
		}
	}
	d.tenantGroups = map[string]string{}
	for _, t := range v.Tenants {
		d.tenantGroups[t.Name] = strings.Join(t.Groups, " ")
	}
	return page.Execute(w, &d)
}

// GroupsOf is a tenant's groups, blank-separated, for the group filter.
func (d *htmlData) GroupsOf(tenant string) string { return d.tenantGroups[tenant] }

type changeList struct {
	Title, ID string
	Items     []Change
}

func label(r string) string {
	switch r {
	case NotApplicable:
		return "not applicable"
	case NotRun:
		return "not run"
	}
	return r
}

// shortResult is the text of a heatmap cell: one character, so 40 columns
// fit a page and colour is not the only signal.
func shortResult(r string) string {
	switch r {
	case Pass:
		return "✓"
	case Fail:
		return "✗"
	case Error:
		return "!"
	case Waived:
		return "W"
	case Manual:
		return "M"
	case NotApplicable:
		return "–"
	}
	return "·"
}

// anchor makes an id attribute value from a tenant or control name.
func anchor(prefix, s string) string { return prefix + "-" + results.Slug(s) }
