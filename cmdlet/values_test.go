package cmdlet

import (
	"encoding/json"
	"testing"
)

func TestCheckValue(t *testing.T) {
	ok, bad := true, false
	cases := []struct {
		typ    string
		values []string
		v      any
		want   bool
	}{
		{"Boolean", nil, true, ok}, {"System.Boolean", nil, false, ok}, {"Boolean", nil, nil, ok},
		{"Boolean", nil, "yes please", bad}, {"Boolean", nil, "true", bad}, {"Boolean", nil, 1, bad}, {"Boolean", nil, []any{true}, bad},
		{"SwitchParameter", nil, true, ok}, {"SwitchParameter", nil, nil, bad}, {"SwitchParameter", nil, "yes", bad},
		{"Int32", nil, 7, ok}, {"Int32", nil, "7", ok}, {"Int32", nil, 7.5, bad}, {"Int32", nil, int64(1) << 40, bad}, {"Int32", nil, "seven", bad},
		{"UInt32", nil, -1, bad}, {"Int64", nil, int64(1) << 40, ok}, {"Int32", nil, json.Number("12"), ok}, {"Int32", nil, json.Number("1.5"), bad},
		{"Unlimited", nil, "Unlimited", ok}, {"Unlimited", nil, "unlimited", ok}, {"Unlimited", nil, 1000, ok}, {"Unlimited", nil, "50 GB", ok},
		{"Unlimited", nil, "50 GB (53,687,091,200 bytes)", ok}, {"Unlimited", nil, "lots", bad}, {"Unlimited", nil, -3, bad},
		{"Microsoft.Exchange.Management.RestApiClient.Unlimited`1[System.UInt32]", nil, 5, ok},
		{"ByteQuantifiedSize", nil, "256 KB", ok}, {"Microsoft.Exchange.Data.ByteQuantifiedSize", nil, "1.5GB", ok}, {"ByteQuantifiedSize", nil, 1024, ok},
		{"ByteQuantifiedSize", nil, "Unlimited", bad}, {"ByteQuantifiedSize", nil, "big", bad},
		{"DateTime", nil, "2026-12-31", ok}, {"ExDateTime", nil, "2026-12-31T17:00:00Z", ok}, {"DateTime", nil, "12/31/2026 5:00 PM", ok},
		{"DateTime", nil, "yesterday", bad}, {"DateTime", nil, 5, bad},
		{"EnhancedTimeSpan", nil, "30.00:00:00", ok}, {"TimeSpan", nil, "01:30:00", ok}, {"TimeSpan", nil, "00:30", ok}, {"TimeSpan", nil, "30 days", bad},
		{"Guid", nil, "0f9d8c7b-6a5e-4d3c-2b1a-0f9e8d7c6b5a", ok}, {"Guid", nil, "not-a-guid", bad},
		{"String", nil, "x", ok}, {"String", nil, 5, ok}, {"String", nil, []any{"a"}, bad}, {"String", nil, map[string]any{"a": 1}, bad},
		{"String", []string{"csv", "json"}, "JSON", ok}, {"String", []string{"csv", "json"}, "xml", bad},
		{"AutoForwardingMode", []string{"Automatic", "Off", "On"}, "off", ok}, {"AutoForwardingMode", []string{"Automatic", "Off", "On"}, "Of", bad},
		{"MultiValuedProperty", nil, "one", ok}, {"MultiValuedProperty", nil, []any{"a", "b"}, ok},
		{"MultiValuedProperty", nil, map[string]any{"Add": []any{"a"}, "remove": "b"}, ok},
		{"MultiValuedProperty", nil, map[string]any{"Append": "a"}, bad}, {"MultiValuedProperty", nil, map[string]any{}, bad},
		{"MultiValuedProperty", nil, []any{[]any{"nested"}}, bad},
		{"ProxyAddressCollection", nil, map[string]any{"Add": "smtp:a@b.c"}, ok},
		{"Int32[]", nil, []any{1, 2}, ok}, {"Int32[]", nil, []any{1, "x"}, bad},
		{"RecipientTypeDetails[]", []string{"UserMailbox", "SharedMailbox"}, []any{"usermailbox"}, ok},
		{"RecipientTypeDetails[]", []string{"UserMailbox", "SharedMailbox"}, []any{"Room"}, bad},
		{"PswsHashtable", nil, map[string]any{"k": "v"}, ok}, {"PswsHashtable", nil, "k=v", bad},
		{"MailboxIdParameter", nil, "adele", ok}, {"MailboxIdParameter", nil, map[string]any{"x": 1}, bad},
		{"MimeTextFormat", nil, "TextOnly", ok},
		{"WidgetMode", []string{"Fast", "Slow"}, "Auto", ok}, // a list read from the text is offered, not enforced
	}
	for _, c := range cases {
		p := &Param{Name: "P", Type: c.typ, Values: c.values}
		if c.typ == "WidgetMode" {
			p.ValuesFromText = true
		}
		err := p.CheckValue(c.v)
		if (err == nil) != c.want {
			t.Errorf("%s %v: %#v: got %v, want ok=%v", c.typ, c.values, c.v, err, c.want)
		}
	}
}

func TestCheckSets(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	gm, _ := c.Lookup("Get-Mailbox")
	if e := gm.CheckSets([]string{"Identity", "ResultSize"}); e != nil {
		t.Error(e)
	}
	if e := gm.CheckSets([]string{"Anr", "Identity"}); e == nil || e.Param != "Identity" {
		t.Errorf("Anr with Identity: %v", e)
	}
	cas, _ := c.Lookup("Set-CASMailbox")
	if e := cas.CheckSets([]string{"PopEnabled"}); e == nil || e.Msg != "Set-CASMailbox needs required parameter Identity" {
		t.Errorf("no Identity: %v", e)
	}
	if e := cas.CheckSets(nil); e == nil {
		t.Error("Set-CASMailbox with no parameters passed")
	}
}
