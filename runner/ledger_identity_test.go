package runner

import "testing"

// A foreach item with both Identity and Name is named by its Identity, every
// time (the ledger used to take whichever the map's order gave first).
func TestLedgerIdentityPrefersIdentityOverName(t *testing.T) {
	for i := 0; i < 50; i++ {
		c := &cell{index: 0, item: map[string]any{"name": "Display Name", "IDENTITY": "alice@contoso.com"}}
		if got := identity(c); got != "alice@contoso.com" {
			t.Fatalf("identity = %q, want the item's Identity", got)
		}
	}
	c := &cell{index: 0, item: map[string]any{"Name": "Room 1"}}
	if got := identity(c); got != "Room 1" {
		t.Fatalf("identity = %q, want the item's Name", got)
	}
}

// A parameter written in another case (PowerShell binds identity: as
// Identity) still names the object written.
func TestLedgerIdentityOfParameterInAnyCase(t *testing.T) {
	c := &cell{index: -1, io: &cellIO{call: Call{Parameters: map[string]any{"identity": "adele@contoso.com", "PopEnabled": false}}}}
	if got := identity(c); got != "adele@contoso.com" {
		t.Fatalf("identity = %q, want the identity parameter's value", got)
	}
}
