package directory

import "testing"

func TestFilter(t *testing.T) {
	t.Parallel()
	obj := map[string]any{
		"PopEnabled":            true,
		"ImapEnabled":           false,
		"Name":                  "adele.vance",
		"ForwardingSmtpAddress": nil,
		"EmailAddresses":        []string{"SMTP:adele@contoso.com", "smtp:adele@contoso.onmicrosoft.com"},
		"ItemCount":             1200,
		"RecipientTypeDetails":  "UserMailbox",
		"Empty":                 "",
		"WhenCreated":           "2023-05-04T10:00:00.0000000+00:00",
	}
	get := func(p string) any {
		for k, v := range obj {
			if equalFoldASCII(k, p) {
				return v
			}
		}
		return nil
	}
	for _, c := range []struct {
		f    string
		want bool
	}{
		{"PopEnabled -eq $true", true},
		{"popenabled -eq 'True'", true},
		{"PopEnabled -eq $false", false},
		{"PopEnabled -ne $false", true},
		{"ImapEnabled -eq $false -and PopEnabled -eq $true", true},
		{"ImapEnabled -eq $true -or PopEnabled -eq $true", true},
		{"-not (PopEnabled -eq $true)", false},
		{"-not(ImapEnabled -eq $true)", true},
		{"Name -like 'adele*'", true},
		{"Name -like '*VANCE'", true},
		{"Name -like 'a*e*e'", true},
		{"Name -notlike 'bob*'", true},
		{`Name -eq "Adele.Vance"`, true},
		{"ForwardingSmtpAddress -ne $null", false},
		{"ForwardingSmtpAddress -eq $null", true},
		{"Empty -eq $null", true},
		{"EmailAddresses -eq 'smtp:adele@contoso.onmicrosoft.com'", true},
		{"EmailAddresses -like 'smtp:*@contoso.com'", true},
		{"EmailAddresses -ne 'smtp:nobody@x.com'", true},
		{"ItemCount -gt 1000", true},
		{"ItemCount -le 1000", false},
		{"RecipientTypeDetails -eq 'SharedMailbox' -or (RecipientTypeDetails -eq 'UserMailbox' -and PopEnabled -eq $true)", true},
		{"Name -eq 'it''s'", false},
		{"WhenCreated -gt '2023-01-01'", true},
		{"WhenCreated -lt '1/31/2023'", false},
		{"WhenCreated -ge '5/4/2023 10:00:00'", true},
	} {
		f, err := parseFilter(c.f)
		if err != nil {
			t.Errorf("parseFilter(%q): %v", c.f, err)
			continue
		}
		if got := f.match(get); got != c.want {
			t.Errorf("%q = %v, want %v", c.f, got, c.want)
		}
	}
	for _, bad := range []string{"PopEnabled -eq", "PopEnabled $true", "(PopEnabled -eq $true", "PopEnabled -eq 'x", "-and", "PopEnabled -eq $true garbage"} {
		if _, err := parseFilter(bad); err == nil {
			t.Errorf("parseFilter(%q) accepted", bad)
		}
	}
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}
