package directory

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"
)

// Value formats of the wire (cmdlet-catalog.md §0).

const (
	kb = int64(1) << 10
	mb = kb << 10
	gb = mb << 10
	tb = gb << 10
)

// formatSize renders a ByteQuantifiedSize: "99 GB (106,300,440,576 bytes)".
// behaviour dir.values.format (internal/emulator/BEHAVIOURS.md)
func formatSize(n int64) string {
	unit, div := "B", int64(1)
	switch {
	case n >= tb:
		unit, div = "TB", tb
	case n >= gb:
		unit, div = "GB", gb
	case n >= mb:
		unit, div = "MB", mb
	case n >= kb:
		unit, div = "KB", kb
	}
	v := strconv.FormatFloat(math.Round(float64(n)/float64(div)*1000)/1000, 'f', -1, 64)
	return v + " " + unit + " (" + groupThousands(n) + " bytes)"
}

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// parseSize reads what a caller may pass for an Unlimited<ByteQuantifiedSize>:
// "Unlimited", a byte count, "50GB", "1.5 GB", or a value the service printed
// ("99 GB (106,300,440,576 bytes)"). It returns -1 for Unlimited.
func parseSize(v any) (int64, error) {
	switch x := v.(type) {
	case float64, int, int64:
		n, whole := toInt(x)
		if !whole || n < 0 {
			return 0, fmt.Errorf("a size must be a whole number of bytes")
		}
		return n, nil
	case string:
		s := strings.TrimSpace(x)
		if strings.EqualFold(s, "unlimited") {
			return -1, nil
		}
		if i := strings.Index(s, "("); i >= 0 && strings.HasSuffix(s, "bytes)") {
			digits := strings.NewReplacer(",", "", " ", "").Replace(s[i+1 : len(s)-len("bytes)")])
			return strconv.ParseInt(digits, 10, 64)
		}
		num := strings.TrimRight(s, "BKMGTbkmgt ")
		unit := strings.ToUpper(strings.TrimSpace(s[len(num):]))
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || f < 0 {
			return 0, fmt.Errorf("the value isn't a size such as 50GB, 1024MB or Unlimited")
		}
		mult := map[string]int64{"": 1, "B": 1, "KB": kb, "MB": mb, "GB": gb, "TB": tb}[unit]
		if mult == 0 {
			return 0, fmt.Errorf("unknown size unit %q (use B, KB, MB, GB or TB)", unit)
		}
		return int64(f * float64(mult)), nil
	}
	return 0, fmt.Errorf("the value isn't a size")
}

// formatTimeSpan renders a .NET TimeSpan: "90.00:00:00", "06:00:00", "00:00:00.3000000".
func formatTimeSpan(d time.Duration) string {
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%d.", days)
	}
	fmt.Fprintf(&b, "%02d:%02d:%02d", d/time.Hour%24, d/time.Minute%60, d/time.Second%60)
	if ticks := d % time.Second / 100; ticks > 0 { // .NET ticks are 100 ns
		fmt.Fprintf(&b, ".%07d", ticks)
	}
	return b.String()
}

// parseTimeSpan reads "[-][d.]hh:mm[:ss[.fffffff]]" or a bare number of days.
func parseTimeSpan(v any) (time.Duration, error) {
	s, ok := v.(string)
	if !ok {
		if f, isNum := v.(float64); isNum {
			s = strconv.FormatFloat(f, 'f', -1, 64)
		} else {
			return 0, fmt.Errorf("the value isn't a time span")
		}
	}
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var days int64
	if !strings.Contains(s, ":") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("use the format dd.hh:mm:ss, e.g. 90.00:00:00")
		}
		days = n
		s = "00:00:00"
	} else if i := strings.Index(s, "."); i >= 0 && i < strings.Index(s, ":") {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("use the format dd.hh:mm:ss, e.g. 90.00:00:00")
		}
		days, s = n, s[i+1:]
	}
	frac := ""
	if i := strings.LastIndex(s, "."); i >= 0 {
		s, frac = s[:i], s[i+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("use the format dd.hh:mm:ss, e.g. 90.00:00:00")
	}
	var hms [3]int64
	limits := [3]int64{23, 59, 59}
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 || n > limits[i] {
			return 0, fmt.Errorf("use the format dd.hh:mm:ss, e.g. 90.00:00:00")
		}
		hms[i] = n
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(hms[0])*time.Hour + time.Duration(hms[1])*time.Minute + time.Duration(hms[2])*time.Second
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return 0, fmt.Errorf("use the format dd.hh:mm:ss, e.g. 90.00:00:00")
		}
		d += time.Duration(f * float64(time.Second))
	}
	if neg {
		d = -d
	}
	return d, nil
}

// formatDate renders a DateTime the way REST returns most dates.
func formatDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000+00:00")
}

// formatDateUTC renders the *UTC variants ("…Z").
func formatDateUTC(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}

// rng is splitmix64: tiny, fast and deterministic across platforms.
type rng struct{ s uint64 }

func newRNG(parts ...uint64) *rng {
	r := &rng{s: 0x9e3779b97f4a7c15}
	for _, p := range parts {
		r.s ^= p
		r.next()
	}
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// chance is true with probability p.
func (r *rng) chance(p float64) bool { return float64(r.next()>>11)/float64(1<<53) < p }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// guidOf returns a deterministic, version-4-looking GUID for the parts.
func guidOf(parts ...uint64) string {
	r := newRNG(parts...)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], r.next())
	binary.BigEndian.PutUint64(b[8:], r.next())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// hashString is FNV-1a of the ASCII-lower-cased string: keys of identity
// indexes (a non-ASCII identity only has to hash the same way both times).
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// tag turns a short label into a number for newRNG/guidOf.
func tag(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
