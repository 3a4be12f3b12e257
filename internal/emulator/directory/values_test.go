package directory

import (
	"testing"
	"time"
)

func TestFormatSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int64
		want string
	}{
		{106300440576, "99 GB (106,300,440,576 bytes)"},
		{107374182400, "100 GB (107,374,182,400 bytes)"},
		{53687091200, "50 GB (53,687,091,200 bytes)"},
		{18874368, "18 MB (18,874,368 bytes)"},
		{8192, "8 KB (8,192 bytes)"},
		{3402, "3.322 KB (3,402 bytes)"},
		{126353408, "120.5 MB (126,353,408 bytes)"},
		{512, "512 B (512 bytes)"},
	} {
		if got := formatSize(c.n); got != c.want {
			t.Errorf("formatSize(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   any
		want int64
		bad  bool
	}{
		{"Unlimited", -1, false},
		{"50GB", 50 * gb, false},
		{"1.5 GB", 3 * gb / 2, false},
		{"99 GB (106,300,440,576 bytes)", 106300440576, false},
		{float64(1024), 1024, false},
		{1024, 1024, false},
		{float64(1.5), 0, true},
		{float64(-1), 0, true},
		{-1, 0, true}, // a negative count is no size, whatever its Go type
		{true, 0, true},
		{"12 parsecs", 0, true},
		{"lots", 0, true},
	} {
		got, err := parseSize(c.in)
		if (err != nil) != c.bad || (!c.bad && got != c.want) {
			t.Errorf("parseSize(%v) = %d, %v; want %d, bad=%v", c.in, got, err, c.want, c.bad)
		}
	}
}

func TestTimeSpan(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		d    time.Duration
		want string
	}{
		{"90.00:00:00", 90 * 24 * time.Hour, "90.00:00:00"},
		{"06:00:00", 6 * time.Hour, "06:00:00"},
		{"00:00:00.3000000", 300 * time.Millisecond, "00:00:00.3000000"},
		{"1.00:00:00", 24 * time.Hour, "1.00:00:00"},
		{"180", 180 * 24 * time.Hour, "180.00:00:00"},
		{"00:05", 5 * time.Minute, "00:05:00"},
	} {
		d, err := parseTimeSpan(c.in)
		if err != nil || d != c.d {
			t.Errorf("parseTimeSpan(%q) = %v, %v; want %v", c.in, d, err, c.d)
		}
		if got := formatTimeSpan(d); got != c.want {
			t.Errorf("formatTimeSpan(%v) = %q, want %q", d, got, c.want)
		}
	}
	if got := formatTimeSpan(-(26*time.Hour + 3*time.Minute + 4*time.Second + 500)); got != "-1.02:03:04.0000005" {
		t.Errorf("formatTimeSpan(negative, every part) = %q", got)
	}
	for _, bad := range []string{"ninety days", "25:00:00", "1.2.3"} {
		if _, err := parseTimeSpan(bad); err == nil {
			t.Errorf("parseTimeSpan(%q) accepted", bad)
		}
	}
}

func TestDates(t *testing.T) {
	t.Parallel()
	at := time.Date(2022, 9, 21, 8, 7, 47, 0, time.UTC)
	if got := formatDate(at); got != "2022-09-21T08:07:47.0000000+00:00" {
		t.Errorf("formatDate = %q", got)
	}
	if got := formatDateUTC(at); got != "2022-09-21T08:07:47.0000000Z" {
		t.Errorf("formatDateUTC = %q", got)
	}
}

func TestGUIDs(t *testing.T) {
	t.Parallel()
	a, b := guidOf(1, 2), guidOf(1, 3)
	if !isGUID(a) || a == b || guidOf(1, 2) != a {
		t.Fatalf("guidOf not a stable, distinct GUID: %q %q", a, b)
	}
	if a[14] != '4' {
		t.Errorf("guid %q is not version 4", a)
	}
}
