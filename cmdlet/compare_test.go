package cmdlet

import "testing"

// The value forms are those of cmdlet-catalog.md §0 (what Get- cmdlets
// answer) against what a playbook writes.
func TestSameComparesTheExchangeWay(t *testing.T) {
	cases := []struct {
		typ, name string
		cur, want any
		same      bool
	}{
		{"System.Boolean", "PopEnabled", true, true, true},
		{"System.Boolean", "PopEnabled", true, false, false},
		{"System.Boolean", "PopEnabled", "True", true, true},
		{"System.Boolean", "PopEnabled", nil, false, false},
		{"SwitchParameter", "X", false, "false", true},
		{"System.String", "DisplayName", "Rob Smith", "rob smith", true},
		{"System.String", "DisplayName", "Rob", "Robert", false},
		{"System.String", "Office", nil, "", true},
		{"System.String", "Office", "", nil, true},
		{"System.String", "Office", nil, "B1", false},
		{"MailboxPolicyIdParameter", "OwaMailboxPolicy", "OwaMailboxPolicy-Default", "owamailboxpolicy-default", true},
		{"MimeTextFormat", "PopMessagesRetrievalMimeFormat", "BestBodyFormat", "bestbodyformat", true},
		{"System.Int32", "ReplyAllStormBlockDurationHours", float64(6), 6, true},
		{"System.Int32", "ReplyAllStormBlockDurationHours", float64(6), "6", true},
		{"System.Int32", "ReplyAllStormBlockDurationHours", float64(6), 7, false},
		{"ByteQuantifiedSize", "MaxSize", "50 GB (53,687,091,200 bytes)", "50GB", true},
		{"ByteQuantifiedSize", "MaxSize", "50 GB (53,687,091,200 bytes)", "50 gb", true},
		{"ByteQuantifiedSize", "MaxSize", "50 GB (53,687,091,200 bytes)", 53687091200, true},
		{"ByteQuantifiedSize", "MaxSize", "50 GB (53,687,091,200 bytes)", "51200 MB", true},
		{"ByteQuantifiedSize", "MaxSize", "3.322 KB (3,402 bytes)", 3402, true},
		{"ByteQuantifiedSize", "MaxSize", "3.322 KB (3,402 bytes)", "3.322 KB", true}, // 3.322 × 1024 = 3401.7, the 3,402 bytes Exchange shows
		{"ByteQuantifiedSize", "MaxSize", "3.322 KB (3,402 bytes)", 3401, false},
		{"ByteQuantifiedSize", "MaxSize", "99 GB (106,300,440,576 bytes)", "100GB", false},
		{"Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]", "ProhibitSendQuota", "Unlimited", "unlimited", true},
		{"Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]", "ProhibitSendQuota", "Unlimited", "100GB", false},
		{"Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]", "ProhibitSendQuota", "100 GB (107,374,182,400 bytes)", "100 GB", true},
		{"Unlimited`1[System.UInt32]", "MaxRecipientEnvelopeLimit", "Unlimited", 500, false},
		{"Unlimited`1[System.UInt32]", "MaxRecipientEnvelopeLimit", float64(500), "500", true},
		// .NET's TimeSpan.Parse reads "24:00:00" as 24 days, not 24 hours
		// (hours past 23 shift the fields: "25:00:00" is 25.00:00:00), so
		// it is not taken as one day: it is compared as text and differs.
		{"EnhancedTimeSpan", "MessageExpiration", "1.00:00:00", "24:00:00", false},
		{"EnhancedTimeSpan", "MessageExpiration", "1.00:00:00", "1.0:0:0", true},
		{"EnhancedTimeSpan", "MessageExpiration", "1.00:00:00", "23:59:59", false},
		{"EnhancedTimeSpan", "MessageExpiration", "1.00:00:00", "1", true},
		{"EnhancedTimeSpan", "AuditLogAgeLimit", "90.00:00:00", "90", true},
		{"EnhancedTimeSpan", "AuditLogAgeLimit", "90.00:00:00", "180.00:00:00", false},
		{"System.TimeSpan", "T", "00:00:00.3000000", "00:00:00.3", true},
		{"System.TimeSpan", "T", "06:00:00", "6:00", true},
		{"System.TimeSpan", "T", "00:01:00", "00:00:01", false},
		{"System.DateTime", "D", "2026-01-02T00:00:00Z", "2026-01-02", true},
		{"System.Guid", "G", "{2C5B4F3A-0000-4000-8000-000000000001}", "2c5b4f3a-0000-4000-8000-000000000001", true},
		{"MultiValuedProperty", "AuditAdmin", []any{"Update", "Move"}, []any{"move", "update"}, true},
		{"MultiValuedProperty", "AuditAdmin", []any{"Update", "Move", "Move"}, []any{"Move", "Update"}, true},
		{"MultiValuedProperty", "AuditAdmin", []any{"Update"}, []any{"Update", "Move"}, false},
		{"MultiValuedProperty", "EwsBlockList", []any{}, nil, true},
		{"MultiValuedProperty", "EwsBlockList", nil, []any{}, true},
		{"MultiValuedProperty", "EwsBlockList", []any{"a"}, "a", true},
		{"MultiValuedProperty", "EwsBlockList", []any{}, []any{"a"}, false},
		{"ProxyAddressCollection", "EmailAddresses", []any{"SMTP:Rob@m7kni.io", "smtp:rob@m7kni.com"}, []any{"smtp:ROB@m7kni.com", "SMTP:rob@M7KNI.io"}, true},
		{"ProxyAddressCollection", "EmailAddresses", []any{"SMTP:rob@m7kni.io", "smtp:rob@m7kni.com"}, []any{"smtp:rob@m7kni.io", "SMTP:rob@m7kni.com"}, false},
		{"ProxyAddressCollection", "EmailAddresses", []any{"SMTP:rob@m7kni.io", "X500:/o=Ex"}, []any{"SMTP:rob@m7kni.io"}, false},
		{"ProxyAddress", "ForwardingSmtpAddress", "smtp:user@ext.example", "SMTP:user@ext.example", false},
		{"ProxyAddress", "ForwardingSmtpAddress", "smtp:User@Ext.example", "smtp:user@ext.example", true},
	}
	for _, c := range cases {
		if got := SameAs(c.typ, c.name, c.cur, c.want); got != c.same {
			t.Errorf("%s %s: Same(%#v, %#v) = %v, want %v", c.typ, c.name, c.cur, c.want, got, c.same)
		}
	}
}

func TestParseSizeForms(t *testing.T) {
	for in, want := range map[any]float64{
		"50 GB (53,687,091,200 bytes)": 53687091200, "18 MB (18,874,368 bytes)": 18874368, "8 KB (8,192 bytes)": 8192,
		"50GB": 53687091200, "1.5 KB": 1536, "100": 100, 100: 100, "Unlimited": -1, "7 B": 7,
	} {
		if got, ok := ParseSize(in); !ok || got != want {
			t.Errorf("ParseSize(%#v) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []any{"fifty GB", "50 PB", "", true} {
		if _, ok := ParseSize(bad); ok {
			t.Errorf("ParseSize(%#v) accepted", bad)
		}
	}
}
