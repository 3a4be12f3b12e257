package examples_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/baseline"
	"github.com/exoplay/exoplay/playbook"
)

const schemaHeader = "# yaml-language-server: $schema=../schema.json"

// TestExamplesValidate loads every example with the real loader (schema
// pass included) and checks the conventions users rely on: the schema
// header for editors, a comment block saying how to run it, and, except
// for cron-certificate, only Emulator tenants so that it runs anywhere.
func TestExamplesValidate(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("want at least 5 examples, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			pb, err := playbook.Load(f, playbook.LoadOptions{Include: baseline.Include})
			if err != nil {
				t.Fatalf("example does not validate:\n%v", err)
			}
			first, comments := header(t, f)
			if first != schemaHeader {
				t.Errorf("first line is %q, want %q", first, schemaHeader)
			}
			if comments < 5 || !strings.Contains(readAll(t, f), "exoplay ") {
				t.Errorf("want a comment block (%d lines now) that shows how to run it", comments)
			}
			if len(pb.Tenants) == 0 {
				t.Errorf("example declares no tenant")
			}
			if f == "cron-certificate.yaml" {
				for _, tn := range pb.Tenants {
					if a := pb.Auth[tn.Auth]; a == nil || a.Method != "certificate" {
						t.Errorf("tenant %s does not use certificate auth", tn.Name)
					}
				}
				return
			}
			for _, tn := range pb.Tenants {
				if tn.Environment != playbook.EnvironmentEmulator {
					t.Errorf("tenant %s is %s; examples run against the emulator", tn.Name, tn.Environment)
				}
			}
		})
	}
}

// header returns the first line and the number of comment lines before the first key.
func header(t *testing.T, f string) (string, int) {
	t.Helper()
	fh, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	var first string
	n := 0
	for i := 0; sc.Scan(); i++ {
		line := sc.Text()
		if i == 0 {
			first = line
		}
		if !strings.HasPrefix(line, "#") {
			break
		}
		n++
	}
	return first, n
}

func readAll(t *testing.T, f string) string {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
