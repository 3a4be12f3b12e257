package connect

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/exoplay/exoplay/playbook"
)

// ConnectToEnv is the environment variable holding --connect-to rules,
// comma-separated.
const ConnectToEnv = "EXOPLAY_CONNECT_TO"

// Rule is one --connect-to mapping, with curl's syntax and meaning:
// HOST1:PORT1:HOST2:PORT2 sends a connection meant for HOST1:PORT1 to
// HOST2:PORT2 instead. An empty HOST1 or PORT1 matches any; an empty HOST2
// or PORT2 keeps the original. Only where the TCP connection goes changes:
// the request's URL, Host header, TLS server name and certificate check
// stay those of the original host, so the answering server must hold a
// certificate for that name that the client trusts.
type Rule struct {
	FromHost string // "" = any host; lower case, IPv6 without brackets
	FromPort string // "" = any port
	ToHost   string // "" = the original host
	ToPort   string // "" = the original port
	raw      string
}

func (r Rule) String() string { return r.raw }

// ParseRules parses --connect-to values; each may itself hold several rules
// separated by commas (the EXOPLAY_CONNECT_TO form). Blank entries are
// ignored. The error names the rule and what is wrong with it.
func ParseRules(values ...string) ([]Rule, error) {
	var rules []Rule
	for _, v := range values {
		for _, s := range playbook.SplitList(v) {
			r, err := ParseRule(s)
			if err != nil {
				return nil, err
			}
			rules = append(rules, r)
		}
	}
	return rules, nil
}

// ParseRule parses one HOST1:PORT1:HOST2:PORT2 rule. IPv6 addresses are
// written in brackets ([::1]:443:[::1]:8443).
func ParseRule(s string) (Rule, error) {
	bad := func(format string, args ...any) (Rule, error) {
		return Rule{}, fmt.Errorf("--connect-to %q: %s (the form is HOST1:PORT1:HOST2:PORT2, e.g. ::127.0.0.1:8443 or outlook.office365.com:443:10.0.0.5:443)", s, fmt.Sprintf(format, args...))
	}
	fields, err := splitRule(s)
	if err != nil {
		return bad("%v", err)
	}
	if len(fields) != 4 {
		return bad("has %d fields, want 4", len(fields))
	}
	r := Rule{raw: s}
	for i, dst := range []*string{&r.FromHost, &r.FromPort, &r.ToHost, &r.ToPort} {
		f := fields[i]
		if i%2 == 0 {
			h, err := ruleHost(f)
			if err != nil {
				return bad("%v", err)
			}
			*dst = h
			continue
		}
		if f != "" {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 || n > 65535 {
				return bad("port %q is not a number from 1 to 65535", f)
			}
			f = strconv.Itoa(n)
		}
		*dst = f
	}
	if r.ToHost == "" && r.ToPort == "" {
		return bad("maps to the original host and port: it would change nothing")
	}
	return r, nil
}

// splitRule splits on colons outside brackets.
func splitRule(s string) ([]string, error) {
	var fields []string
	start, depth := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			if depth > 0 {
				return nil, fmt.Errorf("nested '[' at offset %d", i)
			}
			depth++
		case ']':
			if depth == 0 {
				return nil, fmt.Errorf("']' without '[' at offset %d", i)
			}
			depth--
		case ':':
			if depth == 0 {
				fields = append(fields, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("'[' is never closed")
	}
	return append(fields, s[start:]), nil
}

// ruleHost checks one host field: a DNS name, an IPv4 address, or an IPv6
// address in brackets.
func ruleHost(f string) (string, error) {
	if f == "" {
		return "", nil
	}
	if strings.HasPrefix(f, "[") {
		if !strings.HasSuffix(f, "]") {
			return "", fmt.Errorf("host %q: text after ']'", f)
		}
		inner := f[1 : len(f)-1]
		if net.ParseIP(inner) == nil || !strings.Contains(inner, ":") {
			return "", fmt.Errorf("host %q is not an IPv6 address", f)
		}
		return strings.ToLower(inner), nil
	}
	if strings.ContainsAny(f, "[]/@ \t") {
		return "", fmt.Errorf("host %q is not a host name or address", f)
	}
	return strings.ToLower(strings.TrimSuffix(f, ".")), nil
}

// match reports whether r applies to host:port (host without brackets).
func (r Rule) match(host, port string) bool {
	return (r.FromHost == "" || strings.EqualFold(r.FromHost, strings.TrimSuffix(host, "."))) &&
		(r.FromPort == "" || r.FromPort == port)
}

// Rules are --connect-to rules in the order given; the first that matches
// an address decides, as in curl.
type Rules []Rule

// Target returns where a connection meant for addr (host:port) goes, and
// whether a rule applied.
func (rs Rules) Target(addr string) (string, bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, false
	}
	for _, r := range rs {
		if !r.match(host, port) {
			continue
		}
		h, p := host, port
		if r.ToHost != "" {
			h = r.ToHost
		}
		if r.ToPort != "" {
			p = r.ToPort
		}
		return net.JoinHostPort(h, p), true
	}
	return addr, false
}

// dialer wraps a DialContext with the rules.
func (rs Rules) dialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if len(rs) == 0 {
		return dial
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		target, _ := rs.Target(addr)
		return dial(ctx, network, target)
	}
}
