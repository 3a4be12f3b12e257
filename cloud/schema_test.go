package cloud

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// The environment names live here; schema.json's enums must list the same
// ones (environment: all of them; emulate: all but Emulator), so an editor
// completes exactly what the loader accepts.
func TestNamesMatchTheSchema(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	tenant, ok := s.Defs["tenant"]
	if !ok {
		t.Fatal("schema.json has no $defs.tenant")
	}
	env := slices.Sorted(slices.Values(tenant.Properties["environment"].Enum))
	if !slices.Equal(env, Names()) {
		t.Errorf("schema environment enum %v, cloud.Names() %v", env, Names())
	}
	emulate := slices.Sorted(slices.Values(tenant.Properties["emulate"].Enum))
	want := slices.DeleteFunc(Names(), func(n string) bool { return n == Emulator })
	if !slices.Equal(emulate, want) {
		t.Errorf("schema emulate enum %v, want %v", emulate, want)
	}
	for _, n := range want {
		if _, err := Lookup(n); err != nil {
			t.Errorf("Lookup(%s): %v", n, err)
		}
	}
	if _, err := Lookup(Emulator); err == nil {
		t.Error("Emulator has endpoints of its own; it must be reached by dialling the production names")
	}
}
