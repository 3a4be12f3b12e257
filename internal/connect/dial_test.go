package connect

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestParseRule(t *testing.T) {
	t.Parallel()
	good := map[string]Rule{
		"::127.0.0.1:8443":                                 {ToHost: "127.0.0.1", ToPort: "8443"},
		"outlook.office365.com:443:10.0.0.5:":              {FromHost: "outlook.office365.com", FromPort: "443", ToHost: "10.0.0.5"},
		"Login.MicrosoftOnline.com.::emu:":                 {FromHost: "login.microsoftonline.com", ToHost: "emu"},
		":446::443":                                        {FromPort: "446", ToPort: "443"},
		"[::1]:443:[::1]:08443":                            {FromHost: "::1", FromPort: "443", ToHost: "::1", ToPort: "8443"},
		"[2001:DB8::1]::127.0.0.1:1":                       {FromHost: "2001:db8::1", ToHost: "127.0.0.1", ToPort: "1"},
		"ps.compliance.protection.outlook.com:443:[::1]:9": {FromHost: "ps.compliance.protection.outlook.com", FromPort: "443", ToHost: "::1", ToPort: "9"},
	}
	for in, want := range good {
		got, err := ParseRule(in)
		if err != nil {
			t.Errorf("ParseRule(%q): %v", in, err)
			continue
		}
		want.raw = in
		if got != want {
			t.Errorf("ParseRule(%q) = %+v, want %+v", in, got, want)
		}
	}
	bad := map[string]string{
		"127.0.0.1:8443":         "has 2 fields, want 4",
		"a:b:c:d:e":              "has 5 fields",
		"::127.0.0.1:0":          `port "0" is not a number`,
		"::127.0.0.1:65536":      `port "65536"`,
		"x:https:y:1":            `port "https"`,
		":::":                    "would change nothing",
		"a:443::":                "would change nothing",
		"::[::1:443":             "'[' is never closed",
		"::]::1[:443":            "']' without '['",
		"::[127.0.0.1]:443":      "is not an IPv6 address",
		"::[::1]x:443":           "text after ']'",
		"::ex ample:443":         "is not a host name",
		"::user@host:443":        "is not a host name",
		"::[[::1]]:443":          "nested '['",
		"::https://emu.test:443": "fields",
	}
	for in, want := range bad {
		_, err := ParseRule(in)
		if err == nil {
			t.Errorf("ParseRule(%q) accepted a bad rule", in)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "HOST1:PORT1:HOST2:PORT2") || !strings.Contains(err.Error(), in) {
			t.Errorf("ParseRule(%q) error %q: want it to name the rule, the form and %q", in, err, want)
		}
	}
}

func TestRulesTarget(t *testing.T) {
	t.Parallel()
	rules, err := ParseRules("outlook.office365.com:443:10.0.0.5:8443, :446::443", "", "[::1]:443:localhost:", "::127.0.0.1:9999")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 4 {
		t.Fatalf("%d rules, want 4 (blank entries are skipped)", len(rules))
	}
	cases := map[string]string{
		"outlook.office365.com:443":               "10.0.0.5:8443",                           // first rule: exact host and port
		"OUTLOOK.office365.com.:443":              "10.0.0.5:8443",                           // case and a trailing dot do not matter
		"eur02b.admin.protection.outlook.com:446": "eur02b.admin.protection.outlook.com:443", // any host, port 446
		"[::1]:443":                     "localhost:443",  // IPv6 source; empty PORT2 keeps the port
		"outlook.office365.com:80":      "127.0.0.1:9999", // the first rule wants 443; the catch-all takes it
		"login.microsoftonline.com:443": "127.0.0.1:9999",
	}
	for in, want := range cases {
		got, ok := Rules(rules).Target(in)
		if !ok || got != want {
			t.Errorf("Target(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	only, _ := ParseRules("login.microsoftonline.com:443:127.0.0.1:1")
	if got, ok := Rules(only).Target("outlook.office365.com:443"); ok || got != "outlook.office365.com:443" {
		t.Errorf("an unmatched address changed: %q, %v", got, ok)
	}
	if _, err := ParseRules("::127.0.0.1:1,bad"); err == nil {
		t.Error("a bad rule in a comma-separated list was accepted")
	}
}

func TestNetworkRulesFromEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{ConnectToEnv: "login.microsoftonline.com::127.0.0.1:2, ::127.0.0.1:3"}
	n := Network{ConnectTo: []string{"login.microsoftonline.com::127.0.0.1:1"}, Getenv: func(k string) string { return env[k] }}
	rules, err := n.Rules()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := rules.Target("login.microsoftonline.com:443"); got != "127.0.0.1:1" {
		t.Errorf("the flag's rule should win over the environment's: got %s", got)
	}
	if got, _ := rules.Target("outlook.office365.com:443"); got != "127.0.0.1:3" {
		t.Errorf("the environment's catch-all was not applied: got %s", got)
	}
	env[ConnectToEnv] = "nonsense"
	if _, err := n.Rules(); err == nil || !strings.Contains(err.Error(), ConnectToEnv) {
		t.Errorf("a bad %s should be an error naming it, got %v", ConnectToEnv, err)
	}
}

// TestClientDialsButVerifiesTheOriginalName: the connection goes where the
// rule says, and the certificate is checked against the URL's host name.
func TestClientDialsButVerifiesTheOriginalName(t *testing.T) {
	t.Parallel()
	// httptest's certificate names example.com (and loopback addresses).
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("host=" + r.Host + " sni=" + r.TLS.ServerName))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	caFile := t.TempDir() + "/ca.pem"
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	n := Network{ConnectTo: []string{"::" + u.Host}, CAFile: caFile, Getenv: func(string) string { return "" }}
	c, err := n.Client()
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Get("https://example.com/x")
	if err != nil {
		t.Fatalf("dialled request failed: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "host=example.com sni=example.com" {
		t.Errorf("the server saw %q; want the original host in Host and SNI", b)
	}
	_, err = c.Get("https://outlook.office365.com/")
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		t.Errorf("a certificate without the original name was accepted (err %v)", err)
	}
	// Without the CA the same dial fails: trust is not implied by dialling.
	n.CAFile = ""
	c, _ = n.Client()
	if _, err := c.Get("https://example.com/x"); err == nil {
		t.Error("a certificate from an untrusted CA was accepted")
	}
	// The CA file may come from the environment.
	n.Getenv = func(k string) string {
		if k == CAFileEnv {
			return caFile
		}
		return ""
	}
	c, _ = n.Client()
	if _, err := c.Get("https://example.com/x"); err != nil {
		t.Errorf("%s was not trusted: %v", CAFileEnv, err)
	}
	n.Getenv = func(k string) string { return map[string]string{CAFileEnv: caFile + ".missing"}[k] }
	if _, err := n.Client(); err == nil || !strings.Contains(err.Error(), CAFileEnv) {
		t.Errorf("a missing CA file should be an error naming %s, got %v", CAFileEnv, err)
	}
}
