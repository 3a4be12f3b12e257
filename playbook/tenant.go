package playbook

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/exoplay/exoplay/cloud"
)

// Environments are the valid tenant environments (the cloud table's names).
var Environments = cloud.Names()

// EnvironmentEmulator is the built-in emulator's environment.
const EnvironmentEmulator = cloud.Emulator

var tenantKeys = []string{"name", "organization", "tenant_id", "environment", "emulate", "connection_uri", "authority_uri", "auth", "anchor", "groups", "vars"}

// tenants decodes a list of tenant mappings declared in file.
func (l *loader) tenants(n *node, file string) {
	if n == nil {
		return
	}
	if n.kind != seqNode {
		l.d.add(n.pos, "tenants must be a list of tenants, not %s", describeNode(n))
		return
	}
	for _, it := range n.items {
		if t := l.tenant(it, file); t != nil {
			l.pb.Tenants = append(l.pb.Tenants, t)
		}
	}
}

func (l *loader) tenant(n *node, file string) *Tenant {
	f := l.fields(n, "tenant", tenantKeys...)
	if f == nil {
		return nil
	}
	t := &Tenant{Pos: n.pos, Source: file, Environment: "O365Default"}
	t.Name, _ = f.str("name")
	var on, tn *node
	t.Organization, on = f.str("organization")
	t.TenantID, tn = f.str("tenant_id")
	if on == nil && tn == nil {
		l.d.add(n.pos, "tenant needs \"organization\" (initial domain such as contoso.onmicrosoft.com) or \"tenant_id\" (GUID)")
	}
	if on != nil && t.Organization != "" && !domainRE.MatchString(t.Organization) && !cloud.IsGUID(t.Organization) {
		l.d.add(on.pos, "organization %q must be a domain such as contoso.onmicrosoft.com or a tenant GUID", t.Organization)
	}
	if tn != nil && t.TenantID != "" && !cloud.IsGUID(t.TenantID) {
		l.d.add(tn.pos, "tenant_id %q must be a GUID such as 11111111-2222-3333-4444-555555555555", t.TenantID)
	}
	if t.Name == "" {
		t.Name = t.Organization
		if t.Name == "" {
			t.Name = t.TenantID
		}
		if len(t.Name) > MaxNameLen {
			l.d.add(n.pos, "tenant needs a \"name\": its organization %q is longer than the %d bytes a name may have (names become file names)", truncate(t.Name, 60), MaxNameLen)
		}
	} else if msg := nameProblem(t.Name); msg != "" {
		l.d.add(f.get("name").pos, "tenant name %q %s", truncate(t.Name, 60), msg)
	}
	envOK := true
	if env, en := f.enum("environment", Environments...); en != nil {
		t.Environment, envOK = env, env != ""
	}
	if em, en := f.enum("emulate", emulatable()...); en != nil {
		t.Emulate = em
		if envOK && t.Environment != EnvironmentEmulator {
			l.d.add(en.pos, "emulate names the cloud the built-in emulator stands in for; it needs environment: %s (this tenant's is %s)", EnvironmentEmulator, t.Environment)
		}
	}
	t.ConnectionURI = l.uriField(f, "connection_uri")
	t.AuthorityURI = l.uriField(f, "authority_uri")
	t.Anchor, _ = f.str("anchor")
	var an *node
	t.Auth, an = f.str("auth")
	switch {
	case an != nil && t.Auth != "":
		if names := l.authNames; !slices.Contains(names, t.Auth) {
			if len(names) == 0 {
				l.d.add(an.pos, "auth %q is not defined: add it under the top-level auth: mapping", t.Auth)
			} else {
				l.d.add(an.pos, "auth %q is not defined%s; defined: %s", t.Auth, didYouMean(t.Auth, names), quotedList(names))
			}
		}
	case envOK && t.Environment != EnvironmentEmulator:
		l.d.add(n.pos, "tenant %q needs \"auth\" (the name of an entry under auth:); only environment Emulator may leave it out", t.Name)
	}
	groups, gns := f.strList("groups", false)
	for i, g := range groups {
		if !labelRE.MatchString(g) && gns[i].tag == "!!str" {
			l.d.add(gns[i].pos, "group name %q may hold only letters, digits, '.', '_' and '-'", g)
		}
	}
	t.Groups = groups
	t.Vars = l.vars(f.get("vars"), "tenant vars")
	return t
}

// emulatable are the clouds the emulator can stand in for: every
// environment but Emulator itself.
func emulatable() []string {
	return slices.DeleteFunc(slices.Clone(Environments), func(e string) bool { return e == EnvironmentEmulator })
}

// uriField checks an endpoint override: https, or http on loopback only.
func (l *loader) uriField(f *fieldSet, k string) string {
	s, n := f.str(k)
	if n == nil || s == "" {
		return s
	}
	if msg := checkURI(s); msg != "" {
		l.d.add(n.pos, "%s %q: %s", k, s, msg)
	}
	return s
}

func checkURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "must be an absolute URL such as https://outlook.office365.com"
	}
	if u.User != nil {
		return "must not hold a user name or password (credentials belong under auth:)"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("port %s is not a TCP port (1-65535)", p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "has an empty port after ':'"
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return ""
	case "http":
		if cloud.IsLoopback(u.Hostname()) {
			return ""
		}
		return "plain http is allowed only on loopback (localhost, 127.0.0.1, [::1]); use https://"
	}
	return fmt.Sprintf("scheme %q is not https", u.Scheme)
}

// checkTenants rejects duplicate names once declared and inventory tenants are known.
func (l *loader) checkTenants() {
	seen := map[string]*Tenant{}
	for _, t := range l.pb.Tenants {
		if t.Name == "" {
			continue
		}
		if first, dup := seen[fileKey(t.Name)]; dup {
			where := first.Pos.String()
			if first.Pos.File == t.Pos.File {
				where = fmt.Sprintf("line %d", first.Pos.Line)
			}
			l.d.add(t.Pos, "duplicate tenant name %q (first declared at %s); names must be unique", t.Name, where)
			continue
		}
		seen[fileKey(t.Name)] = t
	}
}
