package auth

import "testing"

// Issue 13 item 7: a tenant given by GUID costs no openid-configuration
// lookup of exoplay's own (the tid check compares with the GUID); a domain
// costs one more request than the GUID, MSAL's own discovery being the same.
func TestTenantGivenByGUIDSkipsTheLookup(t *testing.T) {
	discoveries := func(tenant string) int {
		f := newFixture(t, fixtureOptions{})
		m, _ := f.manager(nil)
		cred := &Credential{Name: "app", Method: MethodClientSecret, ClientID: secretAppID, ClientSecret: secretValue}
		f.token(f.source(m, cred, tenant), false)
		return f.a.Counters().Discovery
	}
	byID, byDomain := discoveries(fabrikamID), discoveries(fabrikamDom)
	if byDomain != byID+1 {
		t.Errorf("openid-configuration requests: %d by GUID, %d by domain; want the domain to cost exactly one more (exoplay's lookup)", byID, byDomain)
	}
}
