package results

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
)

// MinSecretLen is the shortest value Secrets scrubs: shorter ones would
// blank out ordinary words and are not credentials anyway (auth uses the
// same bound for its own messages).
const MinSecretLen = 4

// Secrets is every secret value a run knows — resolved credential secrets,
// tokens, the values of secret vars, what an access_token_command printed —
// so that outputs are scrubbed by value, not only by a name or shape that
// looks secret. It is safe for concurrent use; values may be added while
// the run goes on (a token is known only once it is acquired). The zero
// value and a nil *Secrets scrub nothing.
type Secrets struct {
	mu sync.RWMutex
	// byPrefix indexes the values (and their JSON-escaped forms) by their
	// first MinSecretLen bytes, so that scanning an output costs one map
	// probe per byte that starts a known prefix, whatever the number of
	// values (a run of 500 tenants knows 500 tokens).
	byPrefix map[string][]string
	first    [256]bool
}

// NewSecrets returns an empty set.
func NewSecrets() *Secrets { return &Secrets{} }

// Add records values to scrub; blanks and values shorter than MinSecretLen
// are ignored. A multi-line value is also recorded line by line (a helper's
// output may be echoed one line at a time).
func (s *Secrets) Add(values ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byPrefix == nil {
		s.byPrefix = map[string][]string{}
	}
	for _, v := range values {
		forms := []string{strings.TrimSpace(v)}
		if strings.ContainsAny(forms[0], "\r\n") {
			for _, line := range strings.FieldsFunc(forms[0], func(r rune) bool { return r == '\n' || r == '\r' }) {
				forms = append(forms, strings.TrimSpace(line))
			}
		}
		for _, f := range forms {
			if b, err := json.Marshal(f); err == nil && string(b[1:len(b)-1]) != f {
				forms = append(forms, string(b[1:len(b)-1])) // as it appears inside JSON text
			}
		}
		for _, f := range forms {
			if len(f) < MinSecretLen {
				continue
			}
			key := f[:MinSecretLen]
			list := s.byPrefix[key]
			dup := false
			for _, x := range list {
				dup = dup || x == f
			}
			if !dup {
				// Longest first, so that a value containing another is
				// replaced whole.
				list = append(list, f)
				for i := len(list) - 1; i > 0 && len(list[i]) > len(list[i-1]); i-- {
					list[i], list[i-1] = list[i-1], list[i]
				}
				s.byPrefix[key] = list
				s.first[f[0]] = true
			}
		}
	}
}

// Scrub returns b with every known value replaced by Redacted. It returns b
// itself (no copy) when nothing is found.
func (s *Secrets) Scrub(b []byte) []byte {
	if s == nil {
		return b
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.byPrefix) == 0 {
		return b
	}
	var out []byte
	last := 0
	for i := 0; i+MinSecretLen <= len(b); {
		if !s.first[b[i]] {
			i++
			continue
		}
		match := ""
		for _, v := range s.byPrefix[string(b[i:i+MinSecretLen])] {
			if bytes.HasPrefix(b[i:], []byte(v)) {
				match = v
				break
			}
		}
		if match == "" {
			i++
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b))
		}
		out = append(append(out, b[last:i]...), Redacted...)
		i += len(match)
		last = i
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// ScrubString is Scrub for text.
func (s *Secrets) ScrubString(str string) string {
	if s == nil {
		return str
	}
	b := s.Scrub([]byte(str))
	if len(b) == len(str) && string(b) == str {
		return str
	}
	return string(b)
}

// Writer scrubs everything written through it to w. Each Write is scrubbed
// on its own: the writers it wraps (zerolog, the printers, progress) write
// whole lines or records per call, so a value is not split across calls.
// Writes are serialised: loggers of concurrent tenants share the writer,
// and w need not be safe for concurrent use.
func (s *Secrets) Writer(w io.Writer) io.Writer {
	if s == nil {
		return w
	}
	return &scrubWriter{s: s, w: w}
}

type scrubWriter struct {
	s  *Secrets
	mu sync.Mutex
	w  io.Writer
}

func (sw *scrubWriter) Write(p []byte) (int, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if _, err := sw.w.Write(sw.s.Scrub(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Fd lets isTerminal see through the wrapper (progress bars need to know).
func (sw *scrubWriter) Fd() uintptr {
	if f, ok := sw.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

// ScrubResults returns r itself when no known value appears in it, else a
// copy (through its JSON form, which is what every printer and report
// renders) with each one replaced by Redacted. Printers and reports then
// work from the copy.
func (s *Secrets) ScrubResults(r *Results) *Results {
	if s == nil || r == nil {
		return r
	}
	b, err := json.Marshal(r)
	if err != nil {
		return r
	}
	clean := s.Scrub(b)
	if len(clean) == len(b) && &clean[0] == &b[0] {
		return r
	}
	var out Results
	if err := json.Unmarshal(clean, &out); err != nil {
		return r
	}
	return &out
}
