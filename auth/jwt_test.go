package auth

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func fakeJWT(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(payload)) + ".sig"
}

func TestParseClaims(t *testing.T) {
	c, err := parseClaims(fakeJWT(`{"tid":"T","azp":"A","preferred_username":"u@x","aud":["https://outlook.office365.com"],"scp":"Exchange.Manage","exp":1800000000,"iat":1799996400.0}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.TenantID != "T" || c.AppID != "A" || c.UPN != "u@x" || c.Audience != "https://outlook.office365.com" ||
		!c.ExpiresAt.Equal(time.Unix(1800000000, 0)) || !c.IssuedAt.Equal(time.Unix(1799996400, 0)) {
		t.Fatalf("%+v", c)
	}
	for _, bad := range []string{"opaque-token", "a.!!!.c", fakeJWT(`[1,2]`)} {
		_, err := parseClaims(bad)
		if err == nil || strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
