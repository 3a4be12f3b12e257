package report

import (
	"bytes"
	"strings"
	"testing"
)

// globs is a Columns for tests: plain names only match exactly, "X*"
// matches a prefix (case-insensitive), like the playbook matcher.
type globs []string

func (g globs) Entries() []string { return g }
func (g globs) Index(name string) int {
	for i, e := range g {
		if p, ok := strings.CutSuffix(e, "*"); ok && strings.HasPrefix(strings.ToLower(name), strings.ToLower(p)) || strings.EqualFold(e, name) {
			return i
		}
	}
	return -1
}

func obj(t *testing.T, js string) Object {
	t.Helper()
	o, err := decodeObject([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestTableOrderAndValues(t *testing.T) {
	rows := []Row{
		{Tenant: "contoso", Object: obj(t, `{"OAuth2ClientProfileEnabled":true,"Name":"contoso","Other":1,"OAuthX":["a","b"]}`)},
		{Tenant: "fabrikam", Object: obj(t, `{"Name":"fabrikam","OAuth2ClientProfileEnabled":false,"OAuthX":null}`)},
	}
	tb, err := NewTable(rows, globs{"Name", "OAuth*"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tb.Columns, ","); got != "TENANT,Name,OAuth2ClientProfileEnabled,OAuthX" {
		t.Errorf("columns %s: Name first (its entry comes first), then OAuth* in object order", got)
	}
	var b bytes.Buffer
	if err := tb.WriteText(&b, 0); err != nil {
		t.Fatal(err)
	}
	want := `TENANT   Name     OAuth2ClientProfileEnabled OAuthX
------   ----     -------------------------- ------
contoso  contoso  True                       a, b
fabrikam fabrikam False
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestTableFitsWidth(t *testing.T) {
	rows := []Row{{Tenant: "t", Object: obj(t, `{"Name":"a-very-long-organization-name.onmicrosoft.com","Description":"`+strings.Repeat("x", 80)+`"}`)}}
	tb, err := NewTable(rows, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tb.WriteText(&b, 40); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if n := len([]rune(line)); n > 40 {
			t.Errorf("line of %d characters in a 40-wide table: %q", n, line)
		}
	}
	if !strings.Contains(b.String(), "…") {
		t.Errorf("long values are not cut with …:\n%s", b.String())
	}
}

func TestTableColumnMatchingNothingIsAnError(t *testing.T) {
	rows := []Row{{Tenant: "t", Object: obj(t, `{"Name":"x"}`)}}
	_, err := NewTable(rows, globs{"Name", "OAtuh*"}, false)
	if err == nil || !strings.Contains(err.Error(), `"OAtuh*"`) || !strings.Contains(err.Error(), "Name") {
		t.Errorf("err = %v: want the entry that matched nothing and the properties there are", err)
	}
}
