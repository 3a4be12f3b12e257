package playbook

import (
	"reflect"
	"strings"
	"testing"
)

func selectionPlaybook() *Playbook {
	return &Playbook{Tenants: []*Tenant{
		{Name: "contoso", Organization: "contoso.onmicrosoft.com", Groups: []string{"eu", "pilot"}},
		{Name: "fabrikam", Organization: "fabrikam.onmicrosoft.com", Groups: []string{"us"}},
		{Name: "northwind", TenantID: "0f9d8c7b-6a5e-4d3c-2b1a-0f9e8d7c6b5a", Groups: []string{"us", "pilot"}},
		{Name: "adatum", Organization: "adatum.onmicrosoft.com", Groups: []string{"eu"}},
	}}
}

func names(ts []*Tenant) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return strings.Join(out, ",")
}

func TestSelectTenants(t *testing.T) {
	pb := selectionPlaybook()
	cases := []struct{ limit, shard, want string }{
		{"", "", "contoso,fabrikam,northwind,adatum"},
		{"all", "", "contoso,fabrikam,northwind,adatum"},
		{"eu", "", "contoso,adatum"},
		{"eu,!contoso", "", "adatum"},
		{"pilot,&us", "", "northwind"},
		{"*wind", "", "northwind"},
		{"FABRIKAM", "", "fabrikam"},
		{"adatum.onmicrosoft.com", "", "adatum"},
		{"0f9d8c7b-*", "", "northwind"},
		{"!us", "", "contoso,adatum"},
		{"eu, us", "", "contoso,fabrikam,northwind,adatum"},
		{"", "1/1", "contoso,fabrikam,northwind,adatum"},
	}
	for _, c := range cases {
		shard, err := ParseShard(c.shard)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pb.SelectTenants(c.limit, shard)
		if err != nil {
			t.Errorf("limit %q shard %q: %v", c.limit, c.shard, err)
			continue
		}
		if names(got) != c.want {
			t.Errorf("limit %q shard %q = %s, want %s", c.limit, c.shard, names(got), c.want)
		}
	}
}

func TestSelectTenantsErrors(t *testing.T) {
	pb := selectionPlaybook()
	for limit, want := range map[string]string{
		"contosso":     `"contosso" matches no tenant`,
		"eu,[":         `--limit element "["`,
		"!contosso":    `--limit element "!contosso": "contosso" matches no tenant name, organization, tenant id or group (did you mean "contoso"?)`,
		"eu,&pilott":   `--limit element "&pilott": "pilott" matches no tenant`,
		"eu,!ue*":      `"ue*" matches no tenant`,
		"eu,!":         `names nothing`,
		"eu,&us,!fab*": `leaves no tenant`,
	} {
		_, err := pb.SelectTenants(limit, Shard{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("limit %q: %v, want %q", limit, err, want)
		}
	}
}

func TestParseShard(t *testing.T) {
	if s, err := ParseShard("2/4"); err != nil || s != (Shard{Index: 2, Count: 4}) || s.String() != "2/4" {
		t.Errorf("2/4: %v %v", s, err)
	}
	for _, bad := range []string{"0/4", "5/4", "1/0", "a/b", "3", "-1/2"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestStepSelected(t *testing.T) {
	steps := map[string]*Step{
		"untagged":  {},
		"remediate": {Tags: []string{"remediate"}},
		"always":    {Tags: []string{"always"}},
		"never":     {Tags: []string{"never"}},
		"debug":     {Tags: []string{"never", "debug"}},
	}
	cases := []struct {
		tags, skip string
		want       string // steps that run, sorted by this list's order
	}{
		{"", "", "untagged,remediate,always"},
		{"remediate", "", "remediate,always"},
		{"debug", "", "always,debug"},
		{"all", "", "untagged,remediate,always"},
		{"tagged", "", "remediate,always"}, // never stays off unless named
		{"untagged", "", "untagged,always"},
		{"", "remediate", "untagged,always"},
		{"", "always", "untagged,remediate"},
		{"never", "", "always,never,debug"},
	}
	order := []string{"untagged", "remediate", "always", "never", "debug"}
	for _, c := range cases {
		var got []string
		for _, name := range order {
			if steps[name].Selected(SplitList(c.tags), SplitList(c.skip)) {
				got = append(got, name)
			}
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("--tags %q --skip-tags %q ran %v, want %s", c.tags, c.skip, got, c.want)
		}
	}
}

func TestParseVars(t *testing.T) {
	got, err := ParseVars([]string{"a=true", "b=3", "c=[x, y]", "d=hello world", "e=", "f=1.5", "g=k=v"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": true, "b": 3, "c": []any{"x", "y"}, "d": "hello world", "e": "", "f": 1.5, "g": "k=v"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseVars = %#v, want %#v", got, want)
	}
	for _, bad := range []string{"novalue", "1a=x", "item=3", "=x"} {
		if _, err := ParseVars([]string{bad}); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestScopePrecedence(t *testing.T) {
	pb := &Playbook{Name: "p", Vars: map[string]any{"a": "playbook", "b": "playbook", "c": "playbook"}}
	tn := &Tenant{Name: "contoso", Organization: "contoso.onmicrosoft.com", Environment: "Emulator",
		Vars: map[string]any{"b": "tenant", "c": "tenant"}}
	s := pb.Scope(tn, map[string]any{"c": "cli"})
	if s["a"] != "playbook" || s["b"] != "tenant" || s["c"] != "cli" {
		t.Errorf("top-level vars: a=%v b=%v c=%v", s["a"], s["b"], s["c"])
	}
	vars := s["vars"].(map[string]any)
	if vars["c"] != "cli" || vars["b"] != "tenant" {
		t.Errorf("vars: %v", vars)
	}
	ten := s["tenant"].(map[string]any)
	if ten["name"] != "contoso" || ten["organization"] != "contoso.onmicrosoft.com" || ten["environment"] != "Emulator" {
		t.Errorf("tenant: %v", ten)
	}
	if g, ok := ten["groups"].([]string); !ok || g == nil {
		t.Errorf("tenant.groups must be a non-nil []string, got %#v", ten["groups"])
	}
	if pb.Vars["c"] != "playbook" {
		t.Error("Scope modified the playbook's vars")
	}
	run := s["run"].(map[string]any)
	if run["playbook"] != "p" || run["mode"] != "run" {
		t.Errorf("run: %v", run)
	}
}
