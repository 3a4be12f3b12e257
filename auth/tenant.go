package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	"golang.org/x/sync/singleflight"

	"github.com/exoplay/exoplay/cloud"
)

// tenantResolver finds the tenant id of a domain from its OpenID
// configuration's issuer, once per (authority, domain).
type tenantResolver struct {
	client *http.Client
	sf     singleflight.Group
	mu     sync.Mutex
	ids    map[string]string
}

func newTenantResolver(c *http.Client) *tenantResolver {
	return &tenantResolver{client: c, ids: map[string]string{}}
}

// resolve returns the lower-case tenant id of tenant (a GUID or a domain).
func (r *tenantResolver) resolve(ctx context.Context, authority, tenant string) (string, error) {
	if cloud.IsGUID(tenant) {
		return strings.ToLower(tenant), nil
	}
	key := authority + "/" + strings.ToLower(tenant)
	r.mu.Lock()
	id, ok := r.ids[key]
	r.mu.Unlock()
	if ok {
		return id, nil
	}
	v, err, _ := r.sf.Do(key, func() (any, error) {
		id, err := r.lookup(ctx, authority, tenant)
		if err == nil {
			r.mu.Lock()
			r.ids[key] = id
			r.mu.Unlock()
		}
		return id, err
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (r *tenantResolver) lookup(ctx context.Context, authority, tenant string) (string, error) {
	u := authority + "/" + url.PathEscape(strings.ToLower(tenant)) + "/v2.0/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		// Same shape as an MSAL failure, so classify reads the AADSTS code
		// (90002 tenant not found).
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		return "", msalerrors.CallErr{Req: req, Resp: resp, Err: fmt.Errorf("openid-configuration of %s: HTTP %d", tenant, resp.StatusCode)}
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Issuer == "" {
		return "", fmt.Errorf("the OpenID configuration of %s has no issuer", tenant)
	}
	// The issuer is <authority>/<tenant id>/v2.0 (or sts.windows.net/<id>/).
	for _, seg := range strings.Split(doc.Issuer, "/") {
		if cloud.IsGUID(seg) {
			return strings.ToLower(seg), nil
		}
	}
	return "", fmt.Errorf("the OpenID configuration issuer of %s names no tenant id", tenant)
}
