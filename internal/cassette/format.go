package cassette

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Version is the format version written in every file.
const Version = 1

// Exchange is one request and its answer.
type Exchange struct {
	Cassette int      `json:"cassette"`
	Seq      int      `json:"seq"`
	Request  Message  `json:"request"`
	Response Response `json:"response"`
}

// Message is a request: method, URL, headers, body.
type Message struct {
	Method   string          `json:"method,omitempty"`
	URL      string          `json:"url,omitempty"`
	Header   http.Header     `json:"header,omitempty"`
	Body     json.RawMessage `json:"body,omitempty"`
	BodyText string          `json:"body_text,omitempty"`
}

// Response is an answer: status, headers, body.
type Response struct {
	Status   int             `json:"status"`
	Header   http.Header     `json:"header,omitempty"`
	Body     json.RawMessage `json:"body,omitempty"`
	BodyText string          `json:"body_text,omitempty"`
}

// setBody stores b as JSON when it is JSON, else as text.
func setBody(raw *json.RawMessage, text *string, b []byte) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return
	}
	if (t[0] == '{' || t[0] == '[') && json.Valid(t) {
		*raw = json.RawMessage(t)
		return
	}
	*text = string(b)
}

// Cmdlet is the CmdletName of an InvokeCommand body, "" for other bodies.
func Cmdlet(body []byte) string {
	var in struct {
		CmdletInput struct {
			CmdletName string `json:"CmdletName"`
		} `json:"CmdletInput"`
	}
	if json.Unmarshal(body, &in) != nil {
		return ""
	}
	return in.CmdletInput.CmdletName
}

// fileName names the file of exchange x: its sequence number and what it is.
func fileName(x *Exchange) string {
	what := Cmdlet(x.Request.Body)
	switch {
	case what != "":
	case strings.HasSuffix(strings.ToLower(pathOf(x.Request.URL)), "/$batch"):
		what = "batch"
	case strings.Contains(x.Request.URL, "/oauth2/") || strings.Contains(x.Request.URL, "/token"):
		what = "token"
	default:
		what = "other"
	}
	return fmt.Sprintf("%06d-%s.json", x.Seq, what)
}

func pathOf(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// Load reads every cassette of dir, in sequence order. A file that is not a
// cassette of a known version is an error naming it.
func Load(dir string) ([]*Exchange, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s holds no cassette (*.json)", dir)
	}
	var out []*Exchange
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		x := new(Exchange)
		if err := json.Unmarshal(b, x); err != nil {
			return nil, fmt.Errorf("%s: not a cassette: %v", n, err)
		}
		if x.Cassette != Version {
			return nil, fmt.Errorf("%s: cassette version %d, this exoplay reads %d", n, x.Cassette, Version)
		}
		out = append(out, x)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}
