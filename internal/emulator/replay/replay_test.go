package replay

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

const invoke = `{"cassette":1,"seq":%SEQ%,"request":{"method":"POST","url":"https://outlook.office365.com/adminapi/beta/%T%/InvokeCommand%Q%",
 "body":{"CmdletInput":{"CmdletName":"Get-CASMailbox","Parameters":{"ResultSize":"Unlimited"}}}},
 "response":{"status":200,"header":{"Content-Type":["application/json"]},"body":{"value":[{"n": %N%}]}}}`

func cassette(seq, tenant, query, n string) string {
	r := strings.NewReplacer("%SEQ%", seq, "%T%", tenant, "%Q%", query, "%N%", n)
	return r.Replace(invoke)
}

// TestBookMatchesTenantCmdletParametersAndPage: answers come back in
// recorded order per key, the last repeats, pages are told apart by
// $skiptoken, parameter names and the cmdlet match case-insensitively, an
// unknown tenant segment falls back to the only tenant that recorded the
// call, $batch items are answered one by one, and token cassettes are
// skipped.
func TestBookMatchesTenantCmdletParametersAndPage(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "000001-token.json", `{"cassette":1,"seq":1,"request":{"method":"POST","url":"https://login.microsoftonline.com/t/oauth2/v2.0/token","body_text":"client_secret=%5Bremoved%5D"},"response":{"status":200,"body":{"access_token":"[removed]"}}}`)
	write(t, dir, "000002-a.json", cassette("2", "contoso", "", "1"))
	write(t, dir, "000003-a.json", cassette("3", "contoso", "?$skiptoken=p2", "2"))
	write(t, dir, "000004-a.json", cassette("4", "contoso", "", "3"))
	write(t, dir, "000005-batch.json", `{"cassette":1,"seq":5,"request":{"method":"POST","url":"https://outlook.office365.com/adminapi/beta/contoso/$batch",
	  "body":{"requests":[{"id":"1","method":"POST","url":"https://outlook.office365.com/adminapi/beta/contoso/InvokeCommand","headers":{"Authorization":"[removed]"},
	    "body":{"CmdletInput":{"CmdletName":"Set-CASMailbox","Parameters":{"Identity":"a","PopEnabled":false}}}}]}},
	  "response":{"status":200,"body":{"responses":[{"id":"1","status":200,"headers":{"Content-Type":"application/json"},"body":{"value":[]}}]}}}`)
	bk, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if bk.Calls != 4 {
		t.Fatalf("%d calls loaded, want 4 (3 InvokeCommand + 1 batch item)", bk.Calls)
	}
	params := map[string]any{"resultsize": "Unlimited"}
	for i, want := range []string{`{"value":[{"n":1}]}`, `{"value":[{"n":3}]}`, `{"value":[{"n":3}]}`} {
		a, ok := bk.Answer("CONTOSO", "get-casmailbox", params, "")
		if !ok || string(a.Body) != want || a.Status != 200 || a.ContentType != "application/json" {
			t.Errorf("answer %d: %v %d %q %s, want %s", i, ok, a.Status, a.ContentType, a.Body, want)
		}
	}
	if a, ok := bk.Answer("another-segment-for-contoso", "Get-CASMailbox", params, "p2"); !ok || string(a.Body) != `{"value":[{"n":2}]}` {
		t.Errorf("continuation page: %v %s", ok, a.Body)
	}
	if a, ok := bk.Answer("contoso", "Set-CASMailbox", map[string]any{"PopEnabled": false, "Identity": "a"}, ""); !ok || string(a.Body) != `{"value":[]}` {
		t.Errorf("batch item: %v %s", ok, a.Body)
	}
	for _, miss := range []map[string]any{{"ResultSize": 10}, {}} {
		if _, ok := bk.Answer("contoso", "Get-CASMailbox", miss, ""); ok {
			t.Errorf("parameters %v matched", miss)
		}
	}
	if _, ok := bk.Answer("contoso", "Get-CASMailbox", params, "p3"); ok {
		t.Error("an unrecorded page matched")
	}
}

// TestLoadRefusesWhatIsNotARecording: no files, another version, no call.
func TestLoadRefusesWhatIsNotARecording(t *testing.T) {
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "holds no cassette") {
		t.Errorf("empty dir: %v", err)
	}
	dir := t.TempDir()
	write(t, dir, "x.json", `{"cassette":2}`)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("version 2: %v", err)
	}
	dir = t.TempDir()
	write(t, dir, "000001-token.json", `{"cassette":1,"seq":1,"request":{"method":"POST","url":"https://login.microsoftonline.com/t/oauth2/v2.0/token"},"response":{"status":200}}`)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "no InvokeCommand") {
		t.Errorf("tokens only: %v", err)
	}
}

// A recorded $batch item body is read as the service reads it: a string is
// base64url bytes, so JSON text as a string is no recording of a call.
func TestBatchItemBodiesReadAsTheServiceReadsThem(t *testing.T) {
	batch := func(itemBody string) string {
		return `{"cassette":1,"seq":1,"request":{"method":"POST","url":"https://outlook.office365.com/adminapi/beta/contoso/$batch",
	  "body":{"requests":[{"id":"1","method":"POST","url":"https://outlook.office365.com/adminapi/beta/contoso/InvokeCommand","body":` + itemBody + `}]}},
	  "response":{"status":200,"body":{"responses":[{"id":"1","status":200,"headers":{"content-type":"application/json"},"body":{"value":[]}}]}}}`
	}
	in := `{"CmdletInput":{"CmdletName":"Get-OrganizationConfig","Parameters":{}}}`
	dir := t.TempDir()
	write(t, dir, "000001-batch.json", batch(`"`+base64.URLEncoding.EncodeToString([]byte(in))+`"`))
	bk, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := bk.Answer("contoso", "Get-OrganizationConfig", map[string]any{}, ""); !ok || a.ContentType != "application/json" {
		t.Errorf("base64url item body: %v %+v", ok, a)
	}
	dir = t.TempDir()
	write(t, dir, "000001-batch.json", batch(strconv.Quote(in)))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "base64url") {
		t.Errorf("JSON text as a string item body: %v", err)
	}
}
