package runner

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestProjection(t *testing.T) {
	t.Parallel()
	obj := json.RawMessage(`{"Name":"contoso","OAuth2ClientProfileEnabled":true,"oauthOther":{"a":[1, 2]},"Identity":"x","PopEnabled":false}`)
	cases := []struct {
		sel     []string
		want    string
		service []string // sent as $select
	}{
		{nil, string(obj), nil},
		{[]string{"name", "OAuth*"}, `{"Name":"contoso","OAuth2ClientProfileEnabled":true,"oauthOther":{"a":[1,2]}}`, nil},
		{[]string{"PopEnabled", "Identity"}, `{"Identity":"x","PopEnabled":false}`, []string{"PopEnabled", "Identity"}},
		{[]string{"?ame"}, `{"Name":"contoso"}`, nil},
		{[]string{"Missing"}, `{}`, []string{"Missing"}},
	}
	for _, c := range cases {
		got, err := newProjection(c.sel).apply(obj)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("select %v = %s, want %s", c.sel, got, c.want)
		}
		if s := serviceSelect(c.sel); !slices.Equal(s, c.service) {
			t.Errorf("select %v sent as $select %v, want %v", c.sel, s, c.service)
		}
	}
	// Pretty-printed objects still become one JSON line.
	got, err := newProjection(nil).apply(json.RawMessage("{\n \"a\": 1\n}"))
	if err != nil || string(got) != `{"a":1}` {
		t.Errorf("compact: %s %v", got, err)
	}
	if _, err := newProjection([]string{"a"}).apply(json.RawMessage(`{"a":`)); err == nil {
		t.Error("truncated object accepted")
	}
}
