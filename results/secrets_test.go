package results

import (
	"bytes"
	"strings"
	"testing"
)

func TestSecretsScrubByValue(t *testing.T) {
	s := NewSecrets()
	s.Add("abc", "", "tok-123456", "tok-123456-longer", "pa\"ss<word>", "line-one-secret\nline-two-secret")
	cases := map[string]string{
		"abc stays (too short)":                     "abc stays (too short)",
		"x tok-123456 y":                            "x [REDACTED] y",
		"x tok-123456-longer y":                     "x [REDACTED] y",
		`{"p":"pa\"ss\u003cword\u003e"}`:            `{"p":"[REDACTED]"}`,
		"raw pa\"ss<word>":                          "raw [REDACTED]",
		"only line-two-secret was echoed":           "only [REDACTED] was echoed",
		"tok-12345 is a prefix, not the secret tok": "tok-12345 is a prefix, not the secret tok",
	}
	for in, want := range cases {
		if got := s.ScrubString(in); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", in, got, want)
		}
	}
	clean := []byte("nothing to hide")
	if got := s.Scrub(clean); &got[0] != &clean[0] {
		t.Error("Scrub copied a clean input")
	}
	var buf bytes.Buffer
	s.Writer(&buf).Write([]byte("w tok-123456\n"))
	if strings.Contains(buf.String(), "tok-123456") {
		t.Error("Writer did not scrub")
	}
	var nilSet *Secrets
	if nilSet.ScrubString("tok-123456") != "tok-123456" {
		t.Error("a nil set scrubs")
	}
}
