package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/exoplay/exoplay/results"
)

// Object is one stored object with its properties in the order the service
// sent them.
type Object struct {
	Keys   []string
	Values map[string]json.RawMessage
}

// StepObjects reads the objects a step stored (inline in results.json, or
// its data file under runDir). A step without output has none.
func StepObjects(runDir string, st *results.Step) ([]Object, error) {
	if st.Output == nil || st.Output.Objects == 0 {
		return nil, nil
	}
	var out []Object
	add := func(raw []byte) error {
		o, err := decodeObject(raw)
		if err != nil {
			return err
		}
		out = append(out, o)
		return nil
	}
	if len(st.Output.Inline) > 0 {
		for _, raw := range st.Output.Inline {
			if err := add(raw); err != nil {
				return nil, fmt.Errorf("step %s: %w", st.ID, err)
			}
		}
		return out, nil
	}
	if st.Output.Path == "" {
		return nil, fmt.Errorf("step %s: %d object(s) but neither inline nor a data file", st.ID, st.Output.Objects)
	}
	f, err := os.Open(filepath.Join(runDir, filepath.FromSlash(st.Output.Path)))
	if err != nil {
		return nil, fmt.Errorf("step %s: %w", st.ID, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := add(sc.Bytes()); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", st.Output.Path, line, err)
		}
	}
	return out, sc.Err()
}

func decodeObject(raw []byte) (Object, error) {
	o := Object{Values: map[string]json.RawMessage{}}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return o, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		// A bare value (a cmdlet that returns strings): one column.
		o.Keys = []string{"Value"}
		o.Values["Value"] = json.RawMessage(bytes.TrimSpace(raw))
		return o, nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return o, err
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return o, err
		}
		if _, dup := o.Values[k]; !dup {
			o.Keys = append(o.Keys, k)
		}
		o.Values[k] = v
	}
	return o, nil
}

// Columns chooses columns, as playbook's select/show matching does (a
// *playbook.PropertyMatcher): Index is the list entry that selects a
// property name (-1: none), Entries the list as written.
type Columns interface {
	Index(name string) int
	Entries() []string
}

// Row is one object of one tenant.
type Row struct {
	Tenant string
	Object Object
}

// Table is rows of text under column headers, ready to print.
type Table struct {
	Columns []string
	Rows    [][]string
	// Objects keeps each row's selected values for JSON output.
	Objects []map[string]json.RawMessage
	Tenants []string
}

// NewTable lays rows out under the columns cols selects (nil: every
// property), ordered by the entry that selects them, then by first
// appearance, as Format-Table Name,OAuth* lists Name then each OAuth*
// property. withTenant adds a TENANT column first. A column entry that
// selects no property of any row is an error: a typo never shows an
// empty table.
func NewTable(rows []Row, cols Columns, withTenant bool) (*Table, error) {
	type col struct {
		name  string
		entry int
		seen  int
	}
	var order []col
	byName := map[string]bool{}
	used := map[int]bool{}
	for _, r := range rows {
		for _, k := range r.Object.Keys {
			if byName[k] {
				continue
			}
			idx := 0
			if cols != nil {
				if idx = cols.Index(k); idx < 0 {
					continue
				}
			}
			byName[k] = true
			used[idx] = true
			order = append(order, col{k, idx, len(order)})
		}
	}
	if cols != nil && len(rows) > 0 {
		var missing []string
		for i, e := range cols.Entries() {
			if !used[i] {
				missing = append(missing, strconv.Quote(e))
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("no property matches %s (the objects have: %s)", strings.Join(missing, ", "), strings.Join(propertyNames(rows, 12), ", "))
		}
	}
	// Stable: by entry, then first appearance.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && order[j].entry < order[j-1].entry; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	t := &Table{}
	if withTenant {
		t.Columns = append(t.Columns, "TENANT")
	}
	for _, c := range order {
		t.Columns = append(t.Columns, c.name)
	}
	for _, r := range rows {
		var cells []string
		obj := map[string]json.RawMessage{}
		if withTenant {
			cells = append(cells, r.Tenant)
		}
		for _, c := range order {
			v, ok := r.Object.Values[c.name]
			if ok {
				obj[c.name] = v
			}
			cells = append(cells, cellText(v))
		}
		t.Rows = append(t.Rows, cells)
		t.Objects = append(t.Objects, obj)
		t.Tenants = append(t.Tenants, r.Tenant)
	}
	return t, nil
}

func propertyNames(rows []Row, limit int) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		for _, k := range r.Object.Keys {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	if len(out) > limit {
		out = append(out[:limit], fmt.Sprintf("… %d more", len(out)-limit))
	}
	return out
}

// cellText is a value as Format-Table shows it: text as is, booleans as
// True/False, null as nothing, lists joined with ", ".
func cellText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return strings.Join(strings.Fields(s), " ")
		}
	case 't':
		return "True"
	case 'f':
		return "False"
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(v, &items) == nil {
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i] = cellText(it)
			}
			return strings.Join(parts, ", ")
		}
	case '{':
		var b bytes.Buffer
		if json.Compact(&b, v) == nil {
			return b.String()
		}
	}
	return string(v)
}

// WriteText writes t as an aligned table fitted to width display columns
// (0: no limit): the widest columns shrink first and a value cut short
// ends with "…".
func (t *Table) WriteText(w io.Writer, width int) error {
	widths := fitWidths(t, width)
	bw := bufio.NewWriter(w)
	var lb strings.Builder
	line := func(cells []string) {
		lb.Reset()
		for i, c := range cells {
			c = cut(c, widths[i])
			lb.WriteString(c)
			if i < len(cells)-1 {
				lb.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+1))
			}
		}
		bw.WriteString(strings.TrimRight(lb.String(), " "))
		bw.WriteByte('\n')
	}
	line(t.Columns)
	rule := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		rule[i] = strings.Repeat("-", min(utf8.RuneCountInString(c), widths[i]))
	}
	line(rule)
	for _, r := range t.Rows {
		line(r)
	}
	return bw.Flush()
}

// fitWidths returns each column's width: its longest value, shrunk (the
// widest first, never below the shorter of its header and 6) until the
// table fits width.
func fitWidths(t *Table, width int) []int {
	n := len(t.Columns)
	widths := make([]int, n)
	floor := make([]int, n)
	for i, c := range t.Columns {
		widths[i] = utf8.RuneCountInString(c)
		floor[i] = min(widths[i], 6)
	}
	for _, r := range t.Rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	if width <= 0 {
		return widths
	}
	total := n - 1 // one space between columns
	for _, w := range widths {
		total += w
	}
	for total > width {
		widest := -1
		for i, w := range widths {
			if w > floor[i] && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break // as narrow as it gets: let the terminal wrap
		}
		widths[widest]--
		total--
	}
	return widths
}

func cut(s string, w int) string {
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	if w <= 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:w-1]) + "…"
}

// WriteCSV writes t as CSV (cells defused against spreadsheet formulas).
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for _, r := range t.Rows {
		row := make([]string, len(r))
		for i, c := range r {
			row[i] = results.DefuseCSV(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes t as a JSON array of {"tenant", "step", "object"}, the
// object holding the selected properties in column order, values as stored.
func (t *Table) WriteJSON(w io.Writer, step string) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, obj := range t.Objects {
		if i > 0 {
			bw.WriteString(",")
		}
		head, _ := json.Marshal(struct {
			Tenant string `json:"tenant"`
			Step   string `json:"step"`
		}{t.Tenants[i], step})
		bw.Write(head[:len(head)-1])
		bw.WriteString(`,"object":{`)
		first := true
		for _, c := range t.Columns {
			v, ok := obj[c]
			if !ok {
				continue
			}
			if !first {
				bw.WriteString(",")
			}
			first = false
			k, _ := json.Marshal(c)
			bw.Write(k)
			bw.WriteString(":")
			var b bytes.Buffer
			if json.Compact(&b, v) != nil {
				b.Reset()
				b.WriteString("null")
			}
			bw.Write(b.Bytes())
		}
		bw.WriteString("}}")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}
