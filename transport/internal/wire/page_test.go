package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

func collect(t *testing.T, body string, skip, want int) ([]string, Page, error) {
	t.Helper()
	var got []string
	var p Page
	_, err := decodePage(strings.NewReader(body), skip, want, func(o json.RawMessage) error {
		got = append(got, string(o))
		return nil
	}, &p)
	return got, p, err
}

func TestDecodePage(t *testing.T) {
	body := pagetest.Envelope("https://h/next?$skiptoken=abc", []string{"more results exist"}, `{"a@odata.type":"#x","a":1}`, `{"a":2}`, `{"a":3}`)
	got, p, err := collect(t, body, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != `{"a":1} {"a":2} {"a":3}` || p.NextLink != "https://h/next?$skiptoken=abc" || p.Warnings[0] != "more results exist" {
		t.Errorf("got %v %+v", got, p)
	}
	got, _, _ = collect(t, body, 2, -1)
	if len(got) != 1 || got[0] != `{"a":3}` {
		t.Errorf("skip: %v", got)
	}
	got, p, _ = collect(t, body, 0, 2)
	if len(got) != 2 || !p.Full {
		t.Errorf("limit: %v %+v", got, p)
	}
	// next link written without the @, value after it, unknown members
	_, p, err = collect(t, `{"odata.nextLink":"https://h/n","x":{"y":[1]},"value":[]}`, 0, -1)
	if err != nil || p.NextLink != "https://h/n" {
		t.Errorf("old nextLink form: %v %+v", err, p)
	}
	// a write with no value member but a real envelope
	if _, _, err := collect(t, `{"@odata.context":"c","@adminapi.warnings":["no settings were modified"]}`, 0, -1); err != nil {
		t.Errorf("envelope without value: %v", err)
	}
}

func TestDecodePageBadBodies(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"empty", "", "an empty body"},
		{"whitespace", "  \n", "an empty body"},
		{"html", "<html>oops</html>", "not JSON (invalid character '<'"},
		{"array", `[{"a":1}]`, "JSON array instead of the result envelope"},
		{"null", `null`, "JSON null instead"},
		{"value object", `{"value":{"a":1}}`, "a object where the value array should be"},
		{"value null", `{"value":null}`, "a null where the value array should be"},
		{"truncated in value", strings.TrimSuffix(pagetest.Envelope("", nil, `{"a":1}`, `{"a":2}`), `2}]}`), "cut short after 1 objects"},
		{"truncated after value", `{"value":[],"@odata.nextLink":"ht`, "unreadable next link"},
		{"no envelope", `{"foo":1}`, "not a result envelope"},
		{"warnings not a list", `{"value":[],"@adminapi.warnings":"x"}`, "unreadable warnings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := collect(t, c.body, 0, -1)
			var e *Error
			if !errors.As(err, &e) || e.Kind != Malformed || !strings.Contains(e.Msg, c.want) {
				t.Fatalf("got %v, want malformed containing %q", err, c.want)
			}
		})
	}
}

func TestDecodePageErrorsAndConfirmations(t *testing.T) {
	_, _, err := collect(t, `{"error":{"code":"NotFound","message":"x","details":[{"message":"Ex6F9304|T.ManagementObjectNotFoundException|gone"}]}}`, 0, -1)
	var e *Error
	if !errors.As(err, &e) || e.Kind != Service || !strings.HasPrefix(string(e.Body), `{"error":{"code":"NotFound"`) || !strings.HasSuffix(string(e.Body), "}}") {
		t.Errorf("error in 200: %v %s", err, e.Body)
	}
	_, _, err = collect(t, `{"@adminapi.confirmationmessage":"Are you sure you want to remove X?","value":[]}`, 0, -1)
	if !errors.As(err, &e) || e.Kind != Confirmation || !strings.Contains(e.Text, "Are you sure") {
		t.Errorf("confirmation: %v", err)
	}
	_, p, err := collect(t, `{"value":[],"@adminapi.errors":[{"message":"one failed"},"two failed"]}`, 0, -1)
	if err != nil || len(p.Warnings) != 2 || !strings.Contains(p.Warnings[1], "two failed") {
		t.Errorf("non-terminating errors: %v %q", err, p.Warnings)
	}
}

func TestDecodePageEmitError(t *testing.T) {
	stop := errors.New("disk full")
	var p Page
	_, err := decodePage(strings.NewReader(pagetest.Envelope("", nil, `{"a":1}`)), 0, -1, func(json.RawMessage) error { return stop }, &p)
	var ee *EmitError
	if !errors.As(err, &ee) || !errors.Is(err, stop) {
		t.Fatalf("got %v", err)
	}
}
