package cassette

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Removed stands in for every removed secret.
const Removed = "[removed]"

// secretKeys are body, form and query keys whose values are always removed.
var secretKeys = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "client_secret": true,
	"client_assertion": true, "assertion": true, "password": true,
	"device_code": true, "authorization": true,
}

// formSecret is a key secret in forms and URL queries only (the OAuth
// authorization code); in a JSON answer "code" is an error's code.
func formSecret(k string) bool { return secretKeys[strings.ToLower(k)] || strings.EqualFold(k, "code") }

// secretHeaders are headers whose values are always removed.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Identity-Header", "Secret"}

var (
	jwtRE    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	bearerRE = regexp.MustCompile(`(?i)\bbearer\s+[^\s",]+`)
	emailRE  = regexp.MustCompile(`[A-Za-z0-9._%+{}-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	guidRE   = regexp.MustCompile(`[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}`)
	initRE   = regexp.MustCompile(`(?i)[a-z0-9-]+\.(?:mail\.)?(?:onmicrosoft\.(?:com|us|de)|partner\.onmschina\.cn)`)
	dnsRE    = regexp.MustCompile(`^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$`)
	tenantRE = regexp.MustCompile(`(?i)/(?:adminapi/[^/]+|login\.[^/]+)/([^/?]+)`)
)

// publicGUIDs are constants of the protocol, not anyone's data.
var publicGUIDs = map[string]bool{
	"00000002-0000-0ff1-ce00-000000000000": true, // Exchange Online's app id
	"bb558c35-97f1-4cb9-8ff7-d53741dc928c": true, // the compliance system mailbox
	"00000000-0000-0000-0000-000000000000": true,
}

// nameKeys are properties whose whole value names a person or an object.
var nameKeys = map[string]bool{}

func init() {
	for _, k := range []string{"DisplayName", "Name", "Alias", "Identity", "Id", "FirstName", "LastName",
		"SimpleDisplayName", "DistinguishedName", "LegacyExchangeDN", "UserPrincipalName", "WindowsEmailAddress",
		"PrimarySmtpAddress", "SamAccountName", "Title", "Department", "Company", "Manager", "Phone"} {
		nameKeys[strings.ToLower(k)] = true
	}
}

func isNameKey(k string) bool {
	k = strings.ToLower(k)
	return nameKeys[k] || strings.HasSuffix(k, "displayname")
}

// redactor holds one recording's stand-ins. Nothing of it is written.
type redactor struct {
	pii   bool
	scrub func([]byte) []byte

	mu      sync.Mutex
	users   map[string]string
	domains map[string]string
	guids   map[string]string
	names   map[string]string
	order   []string // known domains, longest first
}

func newRedactor(pii bool, scrub func([]byte) []byte) *redactor {
	return &redactor{pii: pii, scrub: scrub, users: map[string]string{}, domains: map[string]string{},
		guids: map[string]string{}, names: map[string]string{}}
}

// str redacts one string found under key ("" when not a property value).
func (r *redactor) str(s, key string) string {
	if s == "" {
		return s
	}
	if secretKeys[strings.ToLower(key)] {
		return Removed
	}
	s = jwtRE.ReplaceAllString(s, Removed)
	s = bearerRE.ReplaceAllString(s, "Bearer "+Removed)
	if r.scrub != nil {
		s = string(r.scrub([]byte(s)))
	}
	if !r.pii {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	orig := s
	s = emailRE.ReplaceAllStringFunc(s, r.email)
	for _, d := range initRE.FindAllString(s, -1) {
		r.domain(d)
	}
	if strings.Contains(strings.ToLower(key), "domain") && dnsRE.MatchString(s) {
		r.domain(s) // DomainName, Domain, *Domains: names of the organization
	}
	s = r.knownDomains(s)
	s = guidRE.ReplaceAllStringFunc(s, r.guid)
	if s == orig && isNameKey(key) {
		s = r.stand(r.names, s, "name%d")
	}
	return s
}

func (r *redactor) stand(m map[string]string, k, form string) string {
	if v, ok := m[k]; ok {
		return v
	}
	v := fmt.Sprintf(form, len(m)+1)
	m[k] = v
	return v
}

func (r *redactor) email(a string) string {
	at := strings.LastIndexByte(a, '@')
	local, dom := a[:at], r.domain(a[at+1:])
	if strings.HasPrefix(strings.ToLower(local), "systemmailbox{") {
		return local + "@" + dom // the protocol's fixed mailbox, at the organization's stand-in
	}
	return r.stand(r.users, strings.ToLower(a), "user%d") + "@" + dom
}

func (r *redactor) domain(d string) string {
	k := strings.ToLower(d)
	if strings.HasSuffix(k, ".example") {
		return d // a stand-in already
	}
	if v, ok := r.domains[k]; ok {
		return v
	}
	v := r.stand(r.domains, k, "domain%d.example")
	r.order = append(r.order, k)
	sort.SliceStable(r.order, func(i, j int) bool { return len(r.order[i]) > len(r.order[j]) })
	return v
}

// knownDomains replaces every known domain standing as a whole name in s.
func (r *redactor) knownDomains(s string) string {
	for _, d := range r.order {
		low := strings.ToLower(s)
		var b strings.Builder
		last := 0
		for i := 0; ; {
			j := strings.Index(low[i:], d)
			if j < 0 {
				break
			}
			j += i
			end := j + len(d)
			if (j == 0 || !domainChar(low[j-1])) && (end == len(low) || !domainChar(low[end]) || low[end] == '.' && (end+1 == len(low) || !domainChar(low[end+1]))) {
				b.WriteString(s[last:j])
				b.WriteString(r.domains[d])
				last = end
			}
			i = end
		}
		if last > 0 {
			b.WriteString(s[last:])
			s = b.String()
		}
	}
	return s
}

func domainChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}

func (r *redactor) guid(g string) string {
	k := strings.ToLower(g)
	if publicGUIDs[k] || strings.HasPrefix(k, "00000000-0000-4000-8000-") {
		return g
	}
	if v, ok := r.guids[k]; ok {
		return v
	}
	v := fmt.Sprintf("00000000-0000-4000-8000-%012d", len(r.guids)+1)
	r.guids[k] = v
	return v
}

// url redacts a URL: its tenant segment and path, and its query values.
func (r *redactor) url(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return r.str(raw, "")
	}
	if r.pii {
		if m := tenantRE.FindStringSubmatch(u.Path); m != nil && strings.Contains(m[1], ".") && !guidRE.MatchString(m[1]) {
			r.mu.Lock()
			r.domain(m[1])
			r.mu.Unlock()
		}
		u.Path = r.str(u.Path, "")
		u.RawPath = ""
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, v, _ := strings.Cut(p, "=")
			dk, err1 := url.QueryUnescape(k)
			dv, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				continue
			}
			nv := r.str(dv, dk)
			if formSecret(dk) {
				nv = Removed
			}
			if nv != dv {
				parts[i] = k + "=" + url.QueryEscape(nv)
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

// header redacts a copy of h.
func (r *redactor) header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case isSecretHeader(k):
				cp[i] = Removed
			case strings.EqualFold(k, "Location") || strings.EqualFold(k, "Content-Location"):
				cp[i] = r.url(v)
			default:
				cp[i] = r.str(v, "")
			}
		}
		out[k] = cp
	}
	return out
}

func isSecretHeader(k string) bool {
	return slices.ContainsFunc(secretHeaders, func(s string) bool { return strings.EqualFold(k, s) })
}

// form redacts an application/x-www-form-urlencoded body.
func (r *redactor) form(b []byte) []byte {
	q, err := url.ParseQuery(string(b))
	if err != nil {
		return []byte(r.str(string(b), ""))
	}
	for k, vs := range q {
		for i, v := range vs {
			if vs[i] = r.str(v, k); formSecret(k) {
				vs[i] = Removed
			}
		}
	}
	return []byte(q.Encode())
}
