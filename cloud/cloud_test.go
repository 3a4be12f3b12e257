package cloud

import "testing"

func TestLookupAndResolve(t *testing.T) {
	t.Parallel()
	e, err := Lookup("o365usgovdod")
	if err != nil {
		t.Fatal(err)
	}
	if e.Environment != "O365USGovDoD" || e.ComplianceResource != "https://ps.compliance.protection.office365.us" {
		t.Fatalf("DoD endpoints wrong: %+v", e)
	}
	if _, err := Lookup("Mars"); err == nil {
		t.Fatal("unknown environment accepted")
	}
	def, _ := Lookup("")
	r, err := Resolve(def, "https://outlook.office.de/PowerShell-LiveID?x=1", "https://login.microsoftonline.de/common")
	if err != nil {
		t.Fatal(err)
	}
	if r.ExchangeURL != "https://outlook.office.de" || r.ExchangeResource != "https://outlook.office.de" || r.AuthorityURL != "https://login.microsoftonline.de" {
		t.Fatalf("overrides not applied: %+v", r)
	}
}

func TestOriginRefusesPlainHTTP(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"http://127.0.0.1:8443/x":  true,
		"http://localhost:1":       true,
		"http://[::1]:9/":          true,
		"http://example.com":       false,
		"ftp://example.com":        false,
		"https://EXAMPLE.com:443/": true,
		"not a url at all":         false,
	}
	for in, ok := range cases {
		_, err := Origin(in)
		if (err == nil) != ok {
			t.Errorf("Origin(%q) err=%v, want ok=%v", in, err, ok)
		}
	}
}

// §10.14: DoD's documented -ConnectionUri is the remote PowerShell host;
// the REST API is at outlook-dod.office365.us. §10.15: Germany had a
// compliance host.
func TestDocumentedConnectionURIsAndGermany(t *testing.T) {
	t.Parallel()
	dod, _ := Lookup("O365USGovDoD")
	r, err := Resolve(dod, "https://webmail.apps.mil/powershell-liveID", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.ExchangeURL != "https://outlook-dod.office365.us" || r.ExchangeResource != "https://outlook-dod.office365.us" {
		t.Errorf("DoD ConnectionUri not mapped to the REST host: %+v", r)
	}
	de, _ := Lookup("O365GermanyCloud")
	if de.ComplianceURL != "https://ps.compliance.protection.outlook.de" || de.ComplianceResource != de.ComplianceURL {
		t.Errorf("Germany compliance: %+v", de)
	}
}

func TestInitialDomain(t *testing.T) {
	t.Parallel()
	for d, want := range map[string]bool{
		"contoso.onmicrosoft.com": true, "Contoso.OnMicrosoft.com": true, "agency.onmicrosoft.us": true,
		"contoso.mail.onmicrosoft.com": false, "contoso.com": false, ".onmicrosoft.com": false,
		"contoso.partner.onmschina.cn": true, "contoso.onmicrosoft.de": true,
	} {
		if got := InitialDomain(d); got != want {
			t.Errorf("InitialDomain(%q) = %v", d, got)
		}
	}
}

func TestIsGUID(t *testing.T) {
	for s, want := range map[string]bool{
		"0e1bb08f-c39a-47b9-a2f1-1559d1d4c980":   true,
		"0E1BB08F-C39A-47B9-A2F1-1559D1D4C980":   true,
		"{0e1bb08f-c39a-47b9-a2f1-1559d1d4c980}": false, // braces are PowerShell's, not an id's
		"0e1bb08f-c39a-47b9-a2f1-1559d1d4c98":    false,
		"0e1bb08f-c39a-47b9-a2f1-1559d1d4c980a":  false,
		"0e1bb08fxc39a-47b9-a2f1-1559d1d4c980":   false,
		"0e1bb08f-c39a-47b9-a2f1-1559d1d4c98g":   false,
		"contoso.onmicrosoft.com":                false,
		"":                                       false,
	} {
		if got := IsGUID(s); got != want {
			t.Errorf("IsGUID(%q) = %v", s, got)
		}
	}
}
