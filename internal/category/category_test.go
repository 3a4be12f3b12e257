package category

import "testing"

func TestKnownIsAll(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range All() {
		if !Known(c) || seen[c] {
			t.Errorf("%q: known %v, listed twice %v", c, Known(c), seen[c])
		}
		seen[c] = true
	}
	for _, c := range []string{"", "Auth", "throttle", "other"} {
		if Known(c) {
			t.Errorf("Known(%q) = true", c)
		}
	}
}
