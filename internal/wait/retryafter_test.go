package wait

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true}, {"0.25", 250 * time.Millisecond, true}, {" 1.5 ", 1500 * time.Millisecond, true},
		{"0", 0, true}, {"", 0, false}, {"soon", 0, false}, {"-3", 0, false},
		{"NaN", 0, false}, {"Inf", 0, false}, {"-Inf", 0, false},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second, true},
		{now.Add(-7 * time.Second).Format(http.TimeFormat), 0, true},
		{"999999999", 24 * time.Hour, true}, {"1e300", 24 * time.Hour, true},
	}
	for _, c := range cases {
		got, ok := RetryAfter(c.v, now)
		if got != c.want || ok != c.ok {
			t.Errorf("RetryAfter(%q) = %v %v, want %v %v", c.v, got, ok, c.want, c.ok)
		}
	}
}
