package results

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// appendEvent appends ev as json.Marshal would encode it, byte for byte,
// without reflection for the fields every cell event has (time, type,
// tenant, step, item, status, data, attempts): the journal encodes one or
// two events per cmdlet call. The rarer, larger fields go through
// json.Marshal one by one, which embeds them identically.
func appendEvent(b []byte, ev *Event) ([]byte, error) {
	b = append(b, `{"t":`...)
	b, err := appendTime(b, ev.Time)
	if err != nil {
		return b, err
	}
	b = append(b, `,"type":`...)
	b = appendString(b, ev.Type)
	if ev.Tenant != "" {
		b = append(b, `,"tenant":`...)
		b = appendString(b, ev.Tenant)
	}
	if ev.Step != "" {
		b = append(b, `,"step":`...)
		b = appendString(b, ev.Step)
	}
	if ev.Item != nil {
		b = append(b, `,"item":`...)
		b = strconv.AppendInt(b, int64(*ev.Item), 10)
	}
	if ev.Status != "" {
		b = append(b, `,"status":`...)
		b = appendString(b, string(ev.Status))
	}
	if ev.Sent {
		b = append(b, `,"sent":true`...)
	}
	if r := ev.Data; r != nil {
		b = append(b, `,"data":{"off":`...)
		b = strconv.AppendInt(b, r.Off, 10)
		b = append(b, `,"len":`...)
		b = strconv.AppendInt(b, r.Len, 10)
		b = append(b, `,"objects":`...)
		b = strconv.AppendInt(b, int64(r.Objects), 10)
		b = append(b, '}')
	}
	if a := ev.Attempts; a != nil {
		b = append(b, `,"attempts":{"calls":`...)
		b = strconv.AppendInt(b, int64(a.Calls), 10)
		b = append(b, `,"attempts":`...)
		b = strconv.AppendInt(b, int64(a.Attempts), 10)
		b = append(b, `,"requests":`...)
		b = strconv.AppendInt(b, int64(a.Requests), 10)
		b = append(b, `,"pages":`...)
		b = strconv.AppendInt(b, int64(a.Pages), 10)
		b = append(b, `,"throttled_waits":`...)
		b = strconv.AppendInt(b, int64(a.ThrottledWaits), 10)
		b = append(b, `,"throttled_seconds":`...)
		if b, err = appendFloat(b, a.ThrottledSeconds); err != nil {
			return b, err
		}
		b = append(b, '}')
	}
	if ev.Error != nil {
		if b, err = appendMarshal(b, `,"error":`, ev.Error); err != nil {
			return b, err
		}
	}
	if len(ev.Warnings) > 0 {
		b = append(b, `,"warnings":[`...)
		for i, w := range ev.Warnings {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, w)
		}
		b = append(b, ']')
	}
	// The nested values are rare and not on the hot path: json.Marshal.
	for _, f := range [...]struct {
		key string
		set bool
		v   any
	}{
		{`,"would_run":`, len(ev.WouldRun) > 0, ev.WouldRun},
		{`,"diff":`, ev.Diff != nil, ev.Diff},
		{`,"step_result":`, ev.StepResult != nil, ev.StepResult},
		{`,"tenant_result":`, ev.TenantResult != nil, ev.TenantResult},
		{`,"run":`, ev.Run != nil, ev.Run},
		{`,"inputs":`, ev.Inputs != nil, ev.Inputs},
	} {
		if f.set {
			if b, err = appendMarshal(b, f.key, f.v); err != nil {
				return b, err
			}
		}
	}
	if ev.Message != "" {
		b = append(b, `,"message":`...)
		b = appendString(b, ev.Message)
	}
	return append(b, '}'), nil
}

func appendMarshal(b []byte, key string, v any) ([]byte, error) {
	m, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	b = append(b, key...)
	return append(b, m...), nil
}

// appendTime encodes t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds); years it refuses go to it for its error.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		m, err := t.MarshalJSON()
		return append(b, m...), err
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// appendFloat encodes f as encoding/json does; the exponent forms, NaN and
// infinities go to json.Marshal itself.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if abs := math.Abs(f); f == 0 || (abs >= 1e-6 && abs < 1e21) {
		return strconv.AppendFloat(b, f, 'f', -1, 64), nil
	}
	m, err := json.Marshal(f)
	return append(b, m...), err
}

// appendString quotes s as encoding/json does. Plain printable ASCII, the
// usual content of names, ids and statuses, is copied as is; anything
// json.Marshal would escape (quotes, control characters, <, >, &,
// non-ASCII) goes to json.Marshal.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			m, _ := json.Marshal(s) // a string always encodes
			return append(b, m...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
