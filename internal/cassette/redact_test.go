package cassette

import (
	"net/http"
	"strings"
	"testing"
)

const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJl"

// TestSecretsAlwaysRemoved: keys, headers, JWTs, bearer strings, form and
// query secrets and the caller's known values go, with or without PII.
func TestSecretsAlwaysRemoved(t *testing.T) {
	for _, pii := range []bool{false, true} {
		r := newRedactor(pii, func(b []byte) []byte { return []byte(strings.ReplaceAll(string(b), "Known-Var-Value", "[REDACTED]")) })
		body, err := r.redactJSON([]byte(`{"access_token":"` + jwt + `","nested":{"Password":{"x":1},"refresh_token":"rt-1"},
			"requests":[{"headers":{"Authorization":"Bearer abc.def"}}],"note":"token ` + jwt + ` and Known-Var-Value",
			"error":{"code":"BadRequest"},"text":"Authorization: Bearer opaque-token-9","pin":{"password":90817263}}`))
		if err != nil {
			t.Fatal(err)
		}
		form := string(r.form([]byte("client_id=app&client_secret=s3cr3t&client_assertion=" + jwt + "&code=auth-code-1&grant_type=x")))
		u := r.url("https://login.example/t/oauth2/token?code=auth-code-2&state=ok")
		h := r.header(http.Header{"Authorization": {"Bearer " + jwt}, "Set-Cookie": {"a=b"}, "X-Identity-Header": {"mi-secret"}})
		all := string(body) + form + u + h.Get("Authorization") + h.Get("Set-Cookie") + h.Get("X-Identity-Header")
		for _, s := range []string{jwt, "rt-1", "abc.def", "s3cr3t", "auth-code-1", "auth-code-2", "mi-secret", "a=b", "Known-Var-Value", "opaque-token-9", `"x":1`, "90817263"} {
			if strings.Contains(all, s) {
				t.Errorf("pii=%v: %q survives redaction:\n%s", pii, s, all)
			}
		}
		if !strings.Contains(string(body), `"code":"BadRequest"`) || !strings.Contains(form, "grant_type=x") || !strings.Contains(u, "state=ok") {
			t.Errorf("pii=%v: redaction removed what is not secret:\n%s", pii, all)
		}
	}
}

// TestPIIStandInsAreConsistent: the same value gets the same stand-in
// across strings, keys and exchanges; order of properties is kept; public
// constants, types and numbers stay.
func TestPIIStandInsAreConsistent(t *testing.T) {
	r := newRedactor(true, nil)
	in := `{"Name":"Alice Smith","DisplayName":"Alice Smith","PrimarySmtpAddress":"alice@contoso.com",` +
		`"EmailAddresses":["SMTP:alice@contoso.com","smtp:Alice@Contoso.com"],"ExternalDirectoryObjectId":"5A3F1E2D-1111-2222-3333-444455556666",` +
		`"Domain":"contoso.onmicrosoft.com","Note":"see contoso.com and contoso.onmicrosoft.com","Count":3,"Enabled":true,"Anchor":"UPN:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com","App":"00000002-0000-0ff1-ce00-000000000000"}`
	out, err := r.redactJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Name":"name1","DisplayName":"name1","PrimarySmtpAddress":"user1@domain1.example",` +
		`"EmailAddresses":["SMTP:user1@domain1.example","smtp:user1@domain1.example"],"ExternalDirectoryObjectId":"00000000-0000-4000-8000-000000000001",` +
		`"Domain":"domain2.example","Note":"see domain1.example and domain2.example","Count":3,"Enabled":true,"Anchor":"UPN:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@domain2.example","App":"00000002-0000-0ff1-ce00-000000000000"}`
	if string(out) != want {
		t.Fatalf("redacted\n got %s\nwant %s", out, want)
	}
	// Another exchange of the same recording: same stand-ins, also in a URL.
	u := r.url("https://outlook.office365.com/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand?$filter=x%20eq%20%27alice@contoso.com%27")
	if !strings.Contains(u, "/beta/domain2.example/") || !strings.Contains(u, "user1%40domain1.example") {
		t.Errorf("URL not redacted consistently: %s", u)
	}
	again, _ := r.redactJSON([]byte(`{"Identity":"5a3f1e2d-1111-2222-3333-444455556666","Alias":"Alice Smith"}`))
	if string(again) != `{"Identity":"00000000-0000-4000-8000-000000000001","Alias":"name1"}` {
		t.Errorf("second exchange: %s", again)
	}
	// Without PII redaction nothing of this changes.
	plain, _ := newRedactor(false, nil).redactJSON([]byte(in))
	if string(plain) != in {
		t.Errorf("without --record-redact-pii the body changed:\n%s", plain)
	}
}
