package playbook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	pb, err := Load("testdata/valid/minimal.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := pb.Settings
	if s.MaxSessionsPerOrg != 3 || s.MaxParallelTenants != 200 || s.Retries != 3 || s.Timeout != 15*time.Minute || s.PageSize != 1000 || s.FailFast || s.MaxFailPercentage != 0 {
		t.Errorf("defaults: %+v", s)
	}
	if pb.Name != "minimal" || pb.Version != 1 || pb.Dir != "testdata/valid" || len(pb.SHA256) != 64 {
		t.Errorf("playbook: name %q version %d dir %q sha %q", pb.Name, pb.Version, pb.Dir, pb.SHA256)
	}
	st := pb.Steps[0]
	if st.ID != "get-organizationconfig" || st.Service != "exchange" || st.Write || st.Retries != nil || st.Timeout != 0 {
		t.Errorf("step defaults: %+v", st)
	}
}

func TestFeatures(t *testing.T) {
	pb, err := Load("testdata/valid/features.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(pb.Tenants); got != "contoso,fabrikam,northwind" {
		t.Errorf("tenants %s (declared, then inventory)", got)
	}
	fab := pb.Tenants[1]
	if fab.Environment != "Emulator" || fab.ConnectionURI != "http://127.0.0.1:8443" || fab.Anchor != "admin@fabrikam.onmicrosoft.com" || fab.Vars["quota"] != 10 {
		t.Errorf("merge key <<: *emu not applied: %+v", fab)
	}
	if nw := pb.Tenants[2]; nw.Source != filepath.Join("testdata", "valid", "inventory", "us.yaml") || nw.Vars["region"] != "us" {
		t.Errorf("inventory tenant: %+v", nw)
	}
	s := pb.Settings
	if s.MaxSessionsPerOrg != 6 || !s.AllowOverSessions || s.Timeout != 90*time.Minute || s.MaxFailPercentage != 12.5 || s.PageSize != 500 {
		t.Errorf("settings: %+v", s)
	}
	quota := pb.Steps[1]
	if !quota.Write || quota.Batch != 10 || !quota.ContinueOnError || quota.Foreach == nil || quota.FailedWhen == nil || quota.Anchor == nil {
		t.Errorf("quota step: %+v", quota)
	}
	if !quota.When.Uses("item") {
		t.Error("a when that reads item must say so (the runner evaluates it per item)")
	}
	if r := pb.Steps[0].Retries; r == nil || *r != 0 || pb.Steps[0].Timeout != 90*time.Second {
		t.Errorf("step retries/timeout override: %v %v", r, pb.Steps[0].Timeout)
	}
	audit := pb.Steps[3]
	if len(audit.Assert) != 2 || audit.Assert[0].ID != "audit-1" || audit.Assert[0].Severity != "medium" || audit.Assert[1].ID != "CIS-6.1.1" || audit.Assert[1].Severity != "critical" {
		t.Errorf("assertions: %+v", audit.Assert)
	}
	if pb.Steps[2].Service != "compliance" {
		t.Errorf("service: %s", pb.Steps[2].Service)
	}
}

func TestAuthMethods(t *testing.T) {
	pb, err := Load("testdata/valid/all-auth-methods.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(pb.Auth); got != 14 {
		t.Fatalf("%d auth entries, want 14", got)
	}
	if w := pb.Auth["workload-explicit"]; w.TokenFile != filepath.Join("testdata", "valid", "tokens", "azure-identity-token") || w.ClientID == "" {
		t.Errorf("workload_identity token_file not resolved against the playbook: %+v", w)
	}
	if w := pb.Auth["workload"]; w.TokenFile != "" || w.ClientID != "" {
		t.Errorf("workload_identity without settings must leave them to the environment: %+v", w)
	}
	if p := pb.Auth["partner-app"]; p.ClientSecret == nil || p.RefreshToken == nil {
		t.Errorf("a partner app's refresh_token credential keeps its client secret: %+v", p)
	}
	if pb.Auth["device"].Username != "admin@contoso.onmicrosoft.com" {
		t.Errorf("device_code username not kept: %q", pb.Auth["device"].Username)
	}
	cert := pb.Auth["cert"]
	if cert.CertificateFile != filepath.Join("testdata", "valid", "certs", "app.pfx") || cert.CertificatePasswordFile != filepath.Join("testdata", "valid", "secrets", "pfx-password") {
		t.Errorf("relative paths not resolved against the playbook: %+v", cert)
	}
	if pb.Auth["cert-env"].CertificateFile != "/etc/exoplay/app.pem" {
		t.Errorf("absolute path changed: %s", pb.Auth["cert-env"].CertificateFile)
	}
	if !pb.Auth["mi-federated"].Federated || pb.Auth["mi"].Federated {
		t.Error("managed identity with client_id is federated; without, it is not")
	}
	pw := pb.Auth["ropc"].Password
	if pw == nil || pw.IsStatic() || !pw.Uses("env") {
		t.Fatalf("password must be an env expression: %+v", pw)
	}
	got, err := pw.EvalString(Scope{"env": map[string]string{"EXO_SVC_PASSWORD": "s3cret"}})
	if err != nil || got != "s3cret" {
		t.Errorf("secret resolves to %q, %v", got, err)
	}
	if cmd := pb.Auth["token-cmd"].AccessTokenCommand; len(cmd) != 7 || cmd[0] != "az" {
		t.Errorf("access_token_command: %v", cmd)
	}
}

func TestSecretNeverEchoed(t *testing.T) {
	_, err := Load("testdata/invalid/secret-literal.yaml", LoadOptions{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the literal secret must be refused without being repeated: %v", err)
	}
}

func TestAllProblemsAtOnceSorted(t *testing.T) {
	src := `version: 1
tenants:
  - name: a
    organization: a.onmicrosoft.com
    auth: nope
steps:
  - cmdlet: Bad
    nmae: x
  - cmdlet: Get-Mailbox
    retries: -1
`
	_, err := Parse("x.yaml", []byte(src), LoadOptions{})
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 4 {
		t.Fatalf("want 4 diagnostics, got %v", err)
	}
	want := []string{"x.yaml:5:11: auth", "x.yaml:7:13: cmdlet", "x.yaml:8:5: unknown key", "x.yaml:10:14: retries"}
	for i, w := range want {
		if !strings.HasPrefix(ds[i].String(), w) {
			t.Errorf("diagnostic %d = %q, want prefix %q", i, ds[i], w)
		}
	}
	var one Diagnostic
	if !errors.As(err, &one) || one != ds[0] {
		t.Errorf("errors.As to a single Diagnostic: %v", one)
	}
}

func TestVarsFromCLIAreKnown(t *testing.T) {
	src := "version: 1\nsteps:\n  - cmdlet: Set-OrganizationConfig\n    when: ${{ desired }}\n"
	if _, err := Parse("x.yaml", []byte(src), LoadOptions{}); err == nil || !strings.Contains(err.Error(), `unknown name "desired"`) {
		t.Errorf("without --var: %v", err)
	}
	if _, err := Parse("x.yaml", []byte(src), LoadOptions{Vars: map[string]any{"desired": true}}); err != nil {
		t.Errorf("with --var desired: %v", err)
	}
}

func TestInjectedReadFile(t *testing.T) {
	files := map[string]string{
		"/pb/main.yaml":   "version: 1\ninventory: tenants.csv\nsteps:\n  - cmdlet: Get-Mailbox\n",
		"/pb/tenants.csv": "organization,environment,groups\ncontoso.onmicrosoft.com,Emulator,a b\n",
	}
	var read []string
	opts := LoadOptions{ReadFile: func(p string) ([]byte, error) {
		read = append(read, p)
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}}
	pb, err := Load("/pb/main.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(read) != "[/pb/main.yaml /pb/tenants.csv]" {
		t.Errorf("read %v", read)
	}
	if tn := pb.Tenants[0]; tn.Name != "contoso.onmicrosoft.com" || fmt.Sprint(tn.Groups) != "[a b]" {
		t.Errorf("tenant from CSV: %+v", tn)
	}
	if _, err := Load("/pb/missing.yaml", opts); err == nil || !strings.Contains(err.Error(), "/pb/missing.yaml: cannot read playbook") {
		t.Errorf("missing playbook: %v", err)
	}
}

func TestStepIDs(t *testing.T) {
	src := `version: 1
steps:
  - name: Read mailboxes!
    cmdlet: Get-Mailbox
  - name: Read mailboxes
    cmdlet: Get-Mailbox
  - cmdlet: Get-Mailbox
  - cmdlet: Get-Mailbox
    id: custom_ID.1
`
	pb, err := Parse("x.yaml", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range pb.Steps {
		ids = append(ids, s.ID)
	}
	if got := strings.Join(ids, " "); got != "read-mailboxes read-mailboxes-2 get-mailbox custom_ID.1" {
		t.Errorf("ids: %s", got)
	}
}

func TestHostileInputIsBounded(t *testing.T) {
	big := make([]byte, MaxFileSize+1)
	for i := range big {
		big[i] = 'a'
	}
	if _, err := Parse("big.yaml", big, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "the limit is") {
		t.Errorf("huge file: %v", err)
	}
	// Nine levels of ten aliases each would be 10^9 values if expanded.
	for _, f := range []string{"testdata/invalid/alias-bomb.yaml", "testdata/invalid/deep-nesting.yaml"} {
		if _, err := Load(f, LoadOptions{}); err == nil {
			t.Errorf("%s: want an error", f)
		}
	}
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	if _, err := Parse("deep.yaml", []byte("version: 1\nvars: {x: "+deep+"}\n"), LoadOptions{}); err == nil {
		t.Error("5000 levels: want an error")
	}
	if _, err := Parse("empty.yaml", nil, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
}

func TestAliasesShareButStayCorrect(t *testing.T) {
	src := `version: 1
vars:
  common: &c {Identity: "${{ item }}", PopEnabled: false}
steps:
  - cmdlet: Get-Mailbox
    register: mbx
  - cmdlet: Set-CASMailbox
    foreach: ${{ mbx }}
    parameters: *c
`
	pb, err := Parse("x.yaml", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := pb.Steps[1].Parameters
	if len(p) != 2 || p[0].Name != "Identity" {
		t.Fatalf("params: %+v", p)
	}
	got, err := p[0].Value.Eval(Scope{"item": "alice"})
	if err != nil || got != "alice" {
		t.Errorf("aliased parameter = %v, %v", got, err)
	}
}

func TestCSVInventoryProblems(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("name,organization,organization\n")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&rows, "t%d,t%d.onmicrosoft.com,x\n", i, i)
	}
	files := map[string]string{
		"/p/main.yaml": "version: 1\ninventory: t.csv\nsteps:\n  - cmdlet: Get-Mailbox\n",
		"/p/t.csv":     rows.String(),
	}
	_, err := Load("/p/main.yaml", LoadOptions{ReadFile: func(p string) ([]byte, error) { return []byte(files[p]), nil }})
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("want diagnostics, got %v", err)
	}
	if ds[0].String() != `/p/t.csv:1:19: inventory column "organization" appears twice` {
		t.Errorf("first: %s", ds[0])
	}
	// 500 tenants without auth: the report is capped, and says so.
	if len(ds) != maxDiagnostics+1 || !strings.Contains(ds[len(ds)-1].Message, "and 301 more problems") {
		t.Errorf("%d diagnostics, last %q", len(ds), ds[len(ds)-1])
	}
}
