package cmdlet

import (
	"bytes"
	"os"
	"testing"
)

func TestEmbeddedCatalog(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if c.Commit != "93336da2bca96c31c0fc8acc52658a30ef8a6c94" {
		t.Errorf("commit %q", c.Commit)
	}
	if c.Len() < 900 {
		t.Errorf("%d cmdlets", c.Len())
	}
	cas, ok := c.Lookup("set-casmailbox")
	if !ok || cas.Name != "Set-CASMailbox" || cas.Services != Exchange {
		t.Fatalf("Set-CASMailbox: %+v", cas)
	}
	if p, ok := cas.Param("popenabled"); !ok || p.Type != "Boolean" {
		t.Errorf("PopEnabled: %+v", p)
	}
	if _, ok := cas.Param("DomainController"); ok || !cas.IsOnPremOnly("domaincontroller") {
		t.Error("DomainController is on-premises only")
	}
	if id, _ := cas.Param("Identity"); id == nil || id.All == nil || !id.All.Required {
		t.Errorf("Identity: %+v", id)
	}
	cs, ok := c.Lookup("New-ComplianceSearch")
	if !ok || cs.Services != Compliance {
		t.Errorf("New-ComplianceSearch: %+v", cs)
	}
	if _, ok := c.Lookup("Get-Mailboxx"); ok {
		t.Error("Get-Mailboxx found")
	}
}

func BenchmarkDecode(b *testing.B) {
	for b.Loop() {
		if _, err := Decode(catalogGz); err != nil {
			b.Fatal(err)
		}
	}
}

// schema.cmdlets.json is what EditorSchema makes of the embedded catalog
// (regenerate with go generate ./cmdlet/...).
func TestCommittedEditorSchema(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.EditorSchema()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../schema.cmdlets.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("schema.cmdlets.json is stale: run go generate ./cmdlet/...")
	}
}

// Cmdlets are decoded on first use; concurrent lookups of one cmdlet (the
// loader of parallel tests, the runner's cells) see one decoded Info.
func TestLookupIsSafeConcurrently(t *testing.T) {
	c, err := Decode(catalogGz)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *Info, 8)
	for range 8 {
		go func() {
			in, _ := c.Lookup("Set-CASMailbox")
			got <- in
		}()
	}
	first := <-got
	for range 7 {
		if in := <-got; in != first || in == nil {
			t.Fatal("lookups disagree")
		}
	}
	if p, ok := first.Param("PopEnabled"); !ok || p.Type != "Boolean" {
		t.Errorf("PopEnabled: %+v", p)
	}
	all, err := c.All()
	if err != nil || len(all) != c.Len() || all[0].Name > all[1].Name {
		t.Errorf("All: %d of %d, %v", len(all), c.Len(), err)
	}
}
