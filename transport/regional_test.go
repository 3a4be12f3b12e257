package transport

import (
	"net/url"
	"testing"
)

func TestComplianceRegional(t *testing.T) {
	cases := []struct{ base, loc, want string }{
		{"https://ps.compliance.protection.outlook.com", "https://eur02b.admin.protection.outlook.com:446/adminapi/beta/t/InvokeCommand?$select=A",
			"https://eur02b.ps.compliance.protection.outlook.com/adminapi/beta/t/InvokeCommand?$select=A"},
		{"https://ps.compliance.protection.outlook.com", "https://NAM13B.ps.compliance.protection.outlook.com/x",
			"https://nam13b.ps.compliance.protection.outlook.com/x"},
		{"https://l5.ps.compliance.protection.office365.us", "https://gcc02b.admin.protection.office365.us:446/x",
			"https://gcc02b.ps.compliance.protection.office365.us/x"},
		{"https://ps.compliance.protection.outlook.com:8443", "https://eur02b.admin.protection.outlook.com:446/x",
			"https://eur02b.ps.compliance.protection.outlook.com:8443/x"},
		{"https://ps.compliance.protection.outlook.com", "https://bad_label.admin.protection.outlook.com/x", ""},
		{"https://ps.compliance.protection.outlook.com", "https://localhost/x", ""},
		{"https://outlook.office365.com", "https://eur02b.admin.protection.outlook.com/x", ""},
		{"https://xps.compliance.protection.outlook.com", "https://eur02b.admin.protection.outlook.com/x", ""},
	}
	for _, c := range cases {
		b, _ := url.Parse(c.base)
		n, _ := url.Parse(c.loc)
		got, ok := complianceRegional(b, backendToPublic(n))
		if (c.want == "") != !ok || (ok && got.String() != c.want) {
			t.Errorf("%s -> %s: got %v %v, want %q", c.base, c.loc, got, ok, c.want)
		}
	}
}

func TestBackendToPublic(t *testing.T) {
	for in, want := range map[string]string{
		"https://outlook.office365.com:446/a?$skiptoken=x": "https://outlook.office365.com/a?$skiptoken=x",
		"https://outlook.office365.com:443/a":              "https://outlook.office365.com:443/a",
		"https://[::1]:446/a":                              "https://[::1]/a",
		"https://outlook.office365.com/a":                  "https://outlook.office365.com/a",
	} {
		u, _ := url.Parse(in)
		if got := backendToPublic(u).String(); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}
