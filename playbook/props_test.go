package playbook

import (
	"fmt"
	"strings"
	"testing"
)

func TestAnalyzeFindsPropertiesOfRegisterObjects(t *testing.T) {
	lists := []string{"org", "cas", "result"}
	cases := map[string]string{
		`org[0].OAuth2ClientProfileEnabled != desired`: "org.OAuth2ClientProfileEnabled",
		`all(result, .AutoForwardEnabld != true)`:      "result.AutoForwardEnabld",
		`filter(cas, .PopEnabled || #.ImapEnabled)`:    "cas.PopEnabled cas.ImapEnabled",
		`first(org).Name == "x"`:                       "org.Name",
		`all(filter(result, .A), .B)`:                  "result.A result.B",
		`org[0]?.Maybe == nil`:                         "",
		`all(result, #?.Maybe == nil)`:                 "",
		`all(result, .Skip == nil)`:                    "", // optional: [Skip]
		`all(vars.list, .x) && item.Identity != ""`:    "cas.Identity",
		`item?.Maybe != nil`:                           "",
		`len(org) > 0 && tenant.name == "a"`:           "",
	}
	for src, want := range cases {
		f := analyze(src, lists, []string{"Skip"}, "cas")
		var got []string
		for _, p := range f.props {
			got = append(got, p.list+"."+p.name)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: %v, want %q", src, got, want)
		}
	}
	f := analyze(`desired && vars.other && tenant.vars.third && lower(x) != ""`, nil, nil, "")
	if fmt.Sprint(f.vars) != "[desired other tenant third vars x]" {
		t.Errorf("vars read: %v", f.vars)
	}
}
