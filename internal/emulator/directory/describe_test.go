package directory

import (
	"context"
	"strings"
	"testing"
)

// A UInt16 parameter whose valid values the emulator lists as names takes
// them as JSON numbers, as the service's binder converts them.
func TestNumericEnumMembersMatchNumbers(t *testing.T) {
	tn := tenantWith(t, Fresh, 25, Options{})
	binding := func(size float64) bool {
		_, err := tn.Invoke(context.Background(), Exchange, "New-DkimSigningConfig", map[string]any{"DomainName": "unknown.example", "Enabled": false, "KeySize": size})
		return err != nil && strings.Contains(err.Error(), "ParameterBindingException")
	}
	if binding(2048) {
		t.Error("KeySize 2048 (a number) refused at binding")
	}
	if !binding(4096) {
		t.Error("KeySize 4096 bound")
	}
}

func TestParametersDescribesTheTables(t *testing.T) {
	ps, ok := Parameters(Exchange, "set-casmailbox")
	if !ok || len(ps) == 0 || ps[0].Name != "Identity" || !ps[0].Required {
		t.Fatalf("Set-CASMailbox: %v %+v", ok, ps)
	}
	for _, p := range ps {
		if p.Name == "ECPEnabled" {
			t.Error("Set-CASMailbox -ECPEnabled is on-premises only")
		}
	}
	if _, ok := Parameters(Compliance, "Set-CASMailbox"); ok {
		t.Error("Set-CASMailbox is not a Security & Compliance cmdlet")
	}
}
