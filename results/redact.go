package results

import "strings"

// Redacted replaces secret values in output.
const Redacted = "[REDACTED]"

// secretWords mark a flag or --var key whose value is a secret.
var secretWords = []string{"secret", "password", "passwd", "pwd", "token", "credential", "apikey", "api_key", "api-key", "private", "passphrase", "key"}

// LooksSecret reports whether a variable or flag name suggests a secret.
func LooksSecret(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// RedactArgv returns a copy of argv with secret values replaced: the value
// of --var k=v when k looks secret, and the value of any flag whose name
// looks secret (--client-secret X, --token=X).
func RedactArgv(argv []string) []string {
	out := make([]string, len(argv))
	copy(out, argv)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		prefix := a[:len(a)-len(strings.TrimLeft(a, "-"))]
		if name == "var" || name == "extra-vars" || name == "e" {
			if hasVal {
				out[i] = prefix + name + "=" + redactKV(val)
			} else if i+1 < len(out) {
				out[i+1] = redactKV(out[i+1])
				i++
			}
			continue
		}
		// --notify's value is a webhook address, which carries its own
		// credential (Teams, Slack).
		if !LooksSecret(name) && name != "notify" {
			continue
		}
		if hasVal {
			out[i] = prefix + name + "=" + Redacted
		} else if i+1 < len(out) && !strings.HasPrefix(out[i+1], "-") {
			out[i+1] = Redacted
			i++
		}
	}
	return out
}

func redactKV(kv string) string {
	k, _, ok := strings.Cut(kv, "=")
	if ok && LooksSecret(k) {
		return k + "=" + Redacted
	}
	return kv
}
