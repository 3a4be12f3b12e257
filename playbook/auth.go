package playbook

import (
	"path/filepath"
	"slices"

	"github.com/exoplay/exoplay/cloud"
)

// AuthMethods are the credential kinds an auth entry may use.
var AuthMethods = []string{"certificate", "client_secret", "device_code", "interactive",
	"username_password", "managed_identity", "workload_identity", "access_token", "refresh_token"}

// SecretFields hold credentials: only ${{ env.NAME }} or the *_file sibling.
var SecretFields = []string{"client_secret", "certificate_password", "password", "access_token", "refresh_token"}

// authFields lists, per method, the keys it accepts (besides method) and
// which are required. oneOf groups need exactly one of their keys.
var authFields = map[string]struct {
	allowed  []string
	required []string
	oneOf    [][]string
}{
	"certificate": {
		allowed:  []string{"client_id", "certificate_file", "certificate_password", "certificate_password_file", "certificate_thumbprint", "scopes"},
		required: []string{"client_id", "certificate_file"},
	},
	"client_secret": {
		allowed:  []string{"client_id", "client_secret", "client_secret_file", "scopes"},
		required: []string{"client_id"},
		oneOf:    [][]string{{"client_secret", "client_secret_file"}},
	},
	// username picks the cached account (and is the login hint).
	"device_code": {allowed: []string{"client_id", "username", "scopes"}},
	"interactive": {allowed: []string{"client_id", "username", "scopes"}},
	"username_password": {
		allowed:  []string{"client_id", "username", "password", "password_file", "scopes"},
		required: []string{"username"},
		oneOf:    [][]string{{"password", "password_file"}},
	},
	"managed_identity": {allowed: []string{"client_id", "managed_identity_client_id", "scopes"}},
	// client_id and token_file default to the AZURE_CLIENT_ID and
	// AZURE_FEDERATED_TOKEN_FILE the Workload Identity webhook sets in the
	// pod, resolved at sign-in (internal/connect), never here.
	"workload_identity": {allowed: []string{"client_id", "token_file", "scopes"}},
	"access_token": {
		allowed: []string{"access_token", "access_token_file", "access_token_command"},
		oneOf:   [][]string{{"access_token", "access_token_file", "access_token_command"}},
	},
	"refresh_token": {
		// A partner's confidential app (CIPP-style) redeems the token with
		// its secret or certificate; a public client with neither.
		allowed: []string{"client_id", "refresh_token", "refresh_token_file", "client_secret", "client_secret_file",
			"certificate_file", "certificate_password", "certificate_password_file", "scopes"},
		oneOf: [][]string{{"refresh_token", "refresh_token_file"}},
	},
}

// secretScope is where a secret's expression is compiled: env only (the
// caller, secret, has already checked it is exactly ${{ env.NAME }}).
func secretScope() *exprScope { return &exprScope{env: true} }

func (l *loader) auths(n *node) map[string]*Auth {
	out := map[string]*Auth{}
	if n == nil {
		return out
	}
	if n.kind != mapNode {
		l.d.add(n.pos, "auth must be a mapping of names to credentials, not %s", describeNode(n))
		return out
	}
	for i, k := range n.keys {
		// A broken entry is still "defined": tenants naming it get no second error.
		l.authNames = append(l.authNames, k.value)
		if !labelRE.MatchString(k.value) {
			l.d.add(k.pos, "auth name %q may hold only letters, digits, '.', '_' and '-'", k.value)
		}
		if a := l.auth(k.value, n.vals[i]); a != nil {
			out[k.value] = a
		}
	}
	return out
}

func (l *loader) auth(name string, n *node) *Auth {
	what := "auth " + quote(name)
	if n.kind != mapNode {
		l.d.add(n.pos, "%s must be a mapping, not %s", what, describeNode(n))
		return nil
	}
	mn := n.get("method")
	if mn == nil {
		l.d.add(n.pos, "%s is missing the required key \"method\" (one of %s)", what, quotedList(AuthMethods))
		return nil
	}
	method := l.str(mn, "method")
	spec, ok := authFields[method]
	if !ok {
		if method != "" {
			l.d.add(mn.pos, "method %q is not one of %s%s", method, quotedList(AuthMethods), didYouMean(method, AuthMethods))
		}
		return nil
	}
	// Keys valid for another method get a message naming the method.
	known := append([]string{"method"}, spec.allowed...)
	for i, k := range n.keys {
		if slices.Contains(known, k.value) {
			if isNull(n.vals[i]) {
				l.d.add(k.pos, "%s has no value; remove the key or give it one", k.value)
			}
			continue
		}
		if isAuthKey(k.value) {
			l.d.add(k.pos, "%s: key %q does not apply to method %q (it takes %s)", what, k.value, method, quotedList(spec.allowed))
		} else {
			l.d.add(k.pos, "unknown key %q in %s%s", k.value, what, didYouMean(k.value, known))
		}
	}
	f := &fieldSet{l: l, n: n, what: what, known: known}
	for _, r := range spec.required {
		f.required(r)
	}
	for _, group := range spec.oneOf {
		var set []string
		for _, k := range group {
			if f.has(k) {
				set = append(set, k)
			}
		}
		switch {
		case len(set) == 0:
			l.d.add(n.pos, "%s (method %s) needs one of %s", what, method, quotedList(group))
		case len(set) > 1:
			l.d.add(f.get(set[1]).pos, "%s: give only one of %s", what, quotedList(set))
		}
	}
	a := &Auth{Name: name, Method: method, Pos: n.pos}
	a.ClientID = l.guidField(f, "client_id")
	a.ManagedIdentityClientID = l.guidField(f, "managed_identity_client_id")
	a.Federated = method == "managed_identity" && a.ClientID != ""
	a.CertificateFile = l.pathField(f, "certificate_file")
	a.CertificatePasswordFile = l.pathField(f, "certificate_password_file")
	a.CertificateThumbprint, _ = f.str("certificate_thumbprint")
	a.ClientSecretFile = l.pathField(f, "client_secret_file")
	a.Username, _ = f.str("username")
	a.PasswordFile = l.pathField(f, "password_file")
	a.AccessTokenFile = l.pathField(f, "access_token_file")
	a.TokenFile = l.pathField(f, "token_file")
	a.RefreshTokenFile = l.pathField(f, "refresh_token_file")
	a.AccessTokenCommand, _ = f.strList("access_token_command", false)
	a.Scopes, _ = f.strList("scopes", false)
	if f.has("access_token_command") && len(a.AccessTokenCommand) == 0 {
		l.d.add(f.get("access_token_command").pos, "access_token_command must name a program: [program, arg...]")
	}
	a.CertificatePassword = l.secret(f, "certificate_password")
	a.ClientSecret = l.secret(f, "client_secret")
	a.Password = l.secret(f, "password")
	a.AccessToken = l.secret(f, "access_token")
	a.RefreshToken = l.secret(f, "refresh_token")
	return a
}

func isAuthKey(k string) bool {
	for _, spec := range authFields {
		if slices.Contains(spec.allowed, k) {
			return true
		}
	}
	return false
}

// secret compiles a secret field: only ${{ env.NAME }}; a literal is refused
// without echoing it.
func (l *loader) secret(f *fieldSet, k string) *Value {
	n := f.get(k)
	if n == nil {
		return nil
	}
	if inner, whole := wholeExpr(n.value); n.kind != scalarNode || n.tag != "!!str" || !whole || !isEnvRef(inner) {
		l.d.add(n.pos, "%s must not be written in the playbook: use %s: ${{ env.NAME }} (an environment variable) or %s_file: PATH", k, k, k)
		return nil
	}
	return l.c.template(n, secretScope(), nil)
}

func (l *loader) guidField(f *fieldSet, k string) string {
	s, n := f.str(k)
	if n != nil && s != "" && !cloud.IsGUID(s) {
		l.d.add(n.pos, "%s must be an application (client) id GUID such as 11111111-2222-3333-4444-555555555555, not %q", k, s)
	}
	return s
}

// pathField reads a path and resolves it against the playbook's folder.
func (l *loader) pathField(f *fieldSet, k string) string {
	s, n := f.str(k)
	if n == nil || s == "" {
		return ""
	}
	return l.resolvePath(s)
}

func (l *loader) resolvePath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.pb.Dir, p)
}

func quote(s string) string { return `"` + s + `"` }
