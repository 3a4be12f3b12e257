package auth

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CachedAccount is a signed-in user in the delegated cache. No secret.
type CachedAccount struct {
	CacheFile    string
	Authority    string // the authority host MSAL recorded
	ClientID     string // empty when the account has no refresh token
	Username     string
	RefreshToken bool     // a refresh token can renew tokens without a sign-in
	Tenants      []string // tenants (ids, or domains as requested) the account got tokens in
}

// CachedToken is an access token in the delegated cache (its value is not read).
type CachedToken struct {
	CacheFile string
	Authority string
	ClientID  string
	TenantID  string // the tenant id, or the domain it was requested with
	Username  string
	Scopes    string
	ExpiresOn time.Time
}

// CacheStatus is what the delegated cache holds.
type CacheStatus struct {
	Dir      string
	Accounts []CachedAccount
	Tokens   []CachedToken
}

// CacheStatus reads every delegated cache file in the cache folder, without
// a network call and without returning any secret.
func (m *Manager) CacheStatus() (*CacheStatus, error) {
	dir, err := m.CacheDir()
	if err != nil {
		return nil, err
	}
	st := &CacheStatus{Dir: dir}
	files, err := filepath.Glob(filepath.Join(dir, "delegated-*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		accts, toks, err := readCacheFile(f)
		if err != nil {
			return nil, err
		}
		st.Accounts = append(st.Accounts, accts...)
		st.Tokens = append(st.Tokens, toks...)
	}
	return st, nil
}

// TenantStatus says whether a delegated credential can get a token for
// tenant without a sign-in. A domain tenant is resolved to its id with one
// anonymous request to the authority (access tokens are cached by id).
type TenantStatus struct {
	Tenant       string
	TenantID     string
	Username     string    // the account that would be used
	ExpiresOn    time.Time // of a valid cached access token; zero when none
	RefreshToken bool      // the account has a refresh token
	// SignedIn: the account has had a token in this tenant, so its refresh
	// token is known to reach it. A refresh token never used here may not
	// (the account may have no access): status cannot tell offline.
	SignedIn bool
	Usable   bool // a valid access token, or a refresh token known to reach the tenant
}

// TenantStatus reports the cached sign-in of one tenant for a delegated
// credential (device_code, interactive, username_password).
func (m *Manager) TenantStatus(ctx context.Context, cred *Credential, authorityURL, tenant, resource string) (TenantStatus, error) {
	ts := TenantStatus{Tenant: tenant}
	if !cred.usesPublicClient() {
		return ts, errors.New(cred.label() + " keeps no cached sign-in (only device_code, interactive and username_password do)")
	}
	authority, err := authorityOrigin(authorityURL)
	if err != nil {
		return ts, err
	}
	dir, err := m.CacheDir()
	if err != nil {
		return ts, err
	}
	accts, toks, err := m.cacheFileView(delegatedCachePath(dir, authority, cred.clientID()))
	if err != nil {
		return ts, err
	}
	tid, err := m.tenants.resolve(ctx, authority, tenant)
	if err != nil {
		return ts, classify(err, cred, tenant, m.now())
	}
	ts.TenantID = tid
	userOK := func(u string) bool { return cred.Username == "" || strings.EqualFold(u, cred.Username) }
	resource = strings.ToLower(resourceOf(resource))
	now := m.now()
	for _, t := range toks {
		if !(strings.EqualFold(t.TenantID, tid) || strings.EqualFold(t.TenantID, tenant)) || !userOK(t.Username) || !strings.Contains(strings.ToLower(t.Scopes), resource) {
			continue
		}
		if t.ExpiresOn.After(now) && t.ExpiresOn.After(ts.ExpiresOn) {
			ts.ExpiresOn, ts.Username = t.ExpiresOn, t.Username
		}
	}
	for _, a := range accts {
		if !a.RefreshToken || !userOK(a.Username) {
			continue
		}
		here := false
		for _, r := range a.Tenants {
			here = here || strings.EqualFold(r, tid) || strings.EqualFold(r, tenant)
		}
		// Prefer the account known to reach this tenant.
		if !ts.RefreshToken || (here && !ts.SignedIn) {
			ts.RefreshToken, ts.SignedIn = true, here
			if ts.ExpiresOn.IsZero() || here {
				ts.Username = a.Username
			}
		}
	}
	ts.Usable = !ts.ExpiresOn.IsZero() || ts.SignedIn
	return ts, nil
}

// cacheView is what readCacheFile found in one version of a cache file.
type cacheView struct {
	fi    os.FileInfo
	accts []CachedAccount
	toks  []CachedToken
}

// cacheFileView is readCacheFile, remembered while the file does not change:
// `auth status` asks for every tenant of a playbook, and the file grows with
// the tenants (19 ms a tenant with 500 of them, 0.2 ms remembered:
// BenchmarkTenantStatus).
func (m *Manager) cacheFileView(path string) ([]CachedAccount, []CachedToken, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	m.mu.Lock()
	v, ok := m.cacheViews[path]
	m.mu.Unlock()
	if ok && sameFileVersion(v.fi, fi) {
		return v.accts, v.toks, nil
	}
	// A write between Stat and the read leaves a view newer than fi: the
	// next call reads again.
	accts, toks, err := readCacheFile(path)
	if err != nil {
		return nil, nil, err
	}
	m.mu.Lock()
	m.cacheViews[path] = cacheView{fi: fi, accts: accts, toks: toks}
	m.mu.Unlock()
	return accts, toks, nil
}

// readCacheFile lists accounts and access tokens of one MSAL cache blob.
// Only non-secret fields are decoded.
func readCacheFile(path string) ([]CachedAccount, []CachedToken, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		Account map[string]struct {
			HomeAccountID string `json:"home_account_id"`
			Environment   string `json:"environment"`
			Realm         string `json:"realm"`
			Username      string `json:"username"`
		} `json:"Account"`
		RefreshToken map[string]struct {
			HomeAccountID string `json:"home_account_id"`
			ClientID      string `json:"client_id"`
		} `json:"RefreshToken"`
		AccessToken map[string]struct {
			HomeAccountID string `json:"home_account_id"`
			Environment   string `json:"environment"`
			Realm         string `json:"realm"`
			ClientID      string `json:"client_id"`
			Target        string `json:"target"`
			ExpiresOn     string `json:"expires_on"`
		} `json:"AccessToken"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, errors.New("the token cache " + path + " is damaged; delete it and sign in again")
	}
	// MSAL keeps one account entry per tenant the user got tokens in; list
	// each user once, with those tenants.
	users := map[string]string{}
	byHome := map[string]*CachedAccount{}
	var order []string
	for _, a := range doc.Account {
		ca, ok := byHome[a.HomeAccountID]
		if !ok {
			users[a.HomeAccountID] = a.Username
			ca = &CachedAccount{CacheFile: path, Authority: a.Environment, Username: a.Username}
			for _, rt := range doc.RefreshToken {
				if rt.HomeAccountID == a.HomeAccountID {
					ca.RefreshToken, ca.ClientID = true, rt.ClientID
				}
			}
			byHome[a.HomeAccountID] = ca
			order = append(order, a.HomeAccountID)
		}
		if a.Realm != "" {
			ca.Tenants = append(ca.Tenants, a.Realm)
		}
	}
	var accts []CachedAccount
	for _, h := range order {
		sort.Strings(byHome[h].Tenants)
		accts = append(accts, *byHome[h])
	}
	var toks []CachedToken
	for _, t := range doc.AccessToken {
		ct := CachedToken{CacheFile: path, Authority: t.Environment, ClientID: t.ClientID, TenantID: t.Realm, Username: users[t.HomeAccountID], Scopes: t.Target}
		if sec, err := strconv.ParseInt(t.ExpiresOn, 10, 64); err == nil {
			ct.ExpiresOn = time.Unix(sec, 0)
		}
		toks = append(toks, ct)
	}
	sort.Slice(accts, func(i, j int) bool { return accts[i].Username < accts[j].Username })
	sort.Slice(toks, func(i, j int) bool {
		if toks[i].TenantID != toks[j].TenantID {
			return toks[i].TenantID < toks[j].TenantID
		}
		return toks[i].Username < toks[j].Username
	})
	return accts, toks, nil
}
