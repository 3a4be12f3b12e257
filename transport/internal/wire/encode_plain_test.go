package wire

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// generalBody is the reflection encoder alone: the reference.
func generalBody(cmdlet string, params map[string]any) ([]byte, error) {
	e := encoder{}
	return e.general(cmdlet, params)
}

// randomValue builds parameter values, mostly plain, sometimes not.
func randomValue(r *rand.Rand, depth int) any {
	n := 12
	if depth > 3 {
		n = 7 // scalars only
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return []string{"", "a", "smtp:x@y.z", "é\u2028\"\\\n", "\xff@odata.type"}[r.IntN(5)]
	case 2:
		return r.IntN(2) == 0
	case 3:
		return r.IntN(2000) - 1000
	case 4:
		return int64(r.Uint64())
	case 5:
		return []float64{0, 0.5, -3, 1e-7, 1e-6, 1e21, 5e20, 123456.789, math.Copysign(0, -1)}[r.IntN(9)]
	case 6:
		return []any{time.Duration(90) * time.Minute, int32(7), uint8(3), "s"}[r.IntN(4)] // some not plain
	case 7, 8:
		m := map[string]any{}
		for range r.IntN(5) {
			m[[]string{"Add", "Remove", "k", "b", "a@x", "Ä"}[r.IntN(6)]+strconv.Itoa(r.IntN(3))] = randomValue(r, depth+1)
		}
		return m
	case 9:
		a := make([]any, r.IntN(4))
		for i := range a {
			a[i] = randomValue(r, depth+1)
		}
		return a
	case 10:
		a := make([]any, 1+r.IntN(3))
		for i := range a {
			a[i] = map[string]any{"n": i, "v": randomValue(r, depth+1)}
		}
		return a
	default:
		return map[string]string{"k": "v"}
	}
}

func TestPlainEncodingMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	plain := 0
	for i := range 3000 {
		params := map[string]any{}
		for range r.IntN(6) {
			params[[]string{"Identity", "Enabled", "X", "Rules", "EmailAddresses", "", "p"}[r.IntN(7)]] = randomValue(r, 0)
		}
		want, wantErr := generalBody("Set-Thing", params)
		got, gotErr := encodeBody("Set-Thing", params)
		if !bytes.Equal(got, want) || (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("case %d %#v\n got %s %v\nwant %s %v", i, params, got, gotErr, want, wantErr)
		}
		e := encoder{}
		if e.plainMembers(params, false, 0) {
			plain++
		}
	}
	if plain < 500 {
		t.Errorf("only %d of 3000 cases took the plain path", plain)
	}
}

func TestPlainEncodingDepthAndNaN(t *testing.T) {
	deep := any("x")
	for range maxDepth + 2 {
		deep = []any{deep}
	}
	for _, p := range []map[string]any{{"D": deep}, {"F": math.NaN()}, {"": 1}} {
		if _, err := encodeBody("Set-Thing", p); err == nil {
			t.Errorf("%v: no error", p)
		}
	}
}

func TestEncodeBodyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	p := map[string]any{"Identity": "user1@contoso.com", "RetainDeletedItemsFor": "30.00:00:00", "Enabled": true}
	if n := testing.AllocsPerRun(100, func() { _, _ = encodeBody("Set-Mailbox", p) }); n > 1 {
		t.Errorf("%v allocations, want 1 (the body)", n)
	}
}
