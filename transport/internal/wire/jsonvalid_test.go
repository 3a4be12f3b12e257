package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/transport/internal/pagetest"
)

var validCases = []string{
	``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e-3`,
	`true`, `false`, `null`, `tru`, `nul`, `truex`, `[true false]`, `[truefalse]`, `[1,]`, `[,1]`, `{"a":1,}`, `{"a" 1}`,
	`{"a":}`, `{a:1}`, `{"a":1}x`, `{"a":1} `, "\t\n\r {\"a\" : [ 1 , { } ] } \n", `"\u00e9\"\\\/\b\f\n\r\t"`,
	`"\u00g0"`, `"\x"`, `"\u12"`, "\"a\x01\"", "\"\xff\xfe\"", "\"\x7f\"", `"abc`, `"\"`, `[[[[]]]]`, `{"a":{"b":[{"c":null}]}}`,
	`{"a":1}{"b":2}`, `[1 2]`, `123abc`, `-a`, `- 1`, `1 `, "\u00a01", `{"":""}`, `[-]`, `[--1]`, `[1e1.5]`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
	strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
}

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range append(validCases, pageBodies...) {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.60q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range validCases[:len(validCases)-4] {
		f.Add(c)
	}
	for _, c := range pageBodies {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", s, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	body := []byte(pagetest.Envelope("", nil, pagetest.Mailbox(1)))
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if !validJSON(body) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if !json.Valid(body) {
				b.Fatal("invalid")
			}
		}
	})
}
