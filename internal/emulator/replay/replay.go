package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/exoplay/exoplay/internal/emulator/exchange"
)

// Answer is one recorded answer.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// Book holds the answers of a recording.
type Book struct {
	mu    sync.Mutex
	exact map[string]*queue   // tenant|cmdlet|params|page
	loose map[string][]string // cmdlet|params|page -> tenants that recorded it
	Calls int                 // InvokeCommand answers loaded (batch items included)
}

type queue struct {
	answers []Answer
	next    int
}

// file is the cassette format, version 1 (internal/cassette/doc.go).
type file struct {
	Cassette int `json:"cassette"`
	Request  struct {
		Method string          `json:"method"`
		URL    string          `json:"url"`
		Body   json.RawMessage `json:"body"`
	} `json:"request"`
	Response struct {
		Status   int                 `json:"status"`
		Header   map[string][]string `json:"header"`
		Body     json.RawMessage     `json:"body"`
		BodyText string              `json:"body_text"`
	} `json:"response"`
	Seq int `json:"seq"`
}

// Load reads every *.json cassette of dir.
func Load(dir string) (*Book, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s holds no cassette (*.json)", dir)
	}
	var files []*file
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		f := new(file)
		if err := json.Unmarshal(b, f); err != nil {
			return nil, fmt.Errorf("%s: not a cassette: %v", n, err)
		}
		if f.Cassette != 1 {
			return nil, fmt.Errorf("%s: cassette version %d; this emulator reads version 1", n, f.Cassette)
		}
		files = append(files, f)
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Seq < files[j].Seq })
	bk := &Book{exact: map[string]*queue{}, loose: map[string][]string{}}
	for _, f := range files {
		u, err := url.Parse(f.Request.URL)
		if err != nil {
			continue
		}
		_, tenant, op, ok := exchange.SplitPath(u.Path)
		if !ok {
			continue // token requests, discovery, banners: not replayed
		}
		switch strings.ToLower(op) {
		case "invokecommand":
			bk.add(tenant, u, f.Request.Body, Answer{Status: f.Response.Status, ContentType: contentType(f.Response.Header), Body: body(f.Response.Body, f.Response.BodyText)})
		case "$batch":
			if err := bk.addBatch(f); err != nil {
				return nil, fmt.Errorf("cassette %d: %v", f.Seq, err)
			}
		}
	}
	if bk.Calls == 0 {
		return nil, fmt.Errorf("%s holds no InvokeCommand or $batch cassette", dir)
	}
	return bk, nil
}

// addBatch splits a $batch exchange into its items.
func (bk *Book) addBatch(f *file) error {
	var req struct {
		Requests []struct {
			ID      string          `json:"id"`
			URL     string          `json:"url"`
			Headers map[string]any  `json:"headers"`
			Body    json.RawMessage `json:"body"`
		} `json:"requests"`
	}
	var resp exchange.BatchAnswer
	if err := json.Unmarshal(f.Request.Body, &req); err != nil {
		return fmt.Errorf("$batch request: %v", err)
	}
	if len(f.Response.Body) == 0 {
		return fmt.Errorf("$batch answer is not JSON (a multipart answer is not replayed; record with the minimal-metadata Accept)")
	}
	if err := json.Unmarshal(f.Response.Body, &resp); err != nil {
		return fmt.Errorf("$batch answer: %v", err)
	}
	for _, it := range req.Requests {
		for _, r := range resp.Responses {
			if r.ID != it.ID {
				continue
			}
			u, err := url.Parse(it.URL)
			if err != nil {
				return err
			}
			_, tenant, op, ok := exchange.SplitPath(u.Path)
			if !ok || !strings.EqualFold(op, "InvokeCommand") {
				return fmt.Errorf("item %s: url %s is not InvokeCommand", it.ID, it.URL)
			}
			ib, err := exchange.BatchItemBody(it.Body, contentType(it.Headers))
			if err != nil {
				return fmt.Errorf("item %s: %v", it.ID, err)
			}
			bk.add(tenant, u, ib, Answer{Status: r.Status, ContentType: contentType(r.Headers), Body: body(r.Body, "")})
		}
	}
	return nil
}

func (bk *Book) add(tenant string, u *url.URL, reqBody []byte, a Answer) {
	cmdlet, params, ok := input(reqBody)
	if !ok {
		return
	}
	k := key(cmdlet, params, u.Query().Get("$skiptoken"))
	t := strings.ToLower(tenant)
	q := bk.exact[t+"|"+k]
	if q == nil {
		q = &queue{}
		bk.exact[t+"|"+k] = q
		bk.loose[k] = append(bk.loose[k], t)
	}
	q.answers = append(q.answers, a)
	bk.Calls++
}

// Answer gives the recorded answer of a call, in recorded order.
func (bk *Book) Answer(tenant, cmdlet string, params map[string]any, skiptoken string) (Answer, bool) {
	k := key(cmdlet, params, skiptoken)
	bk.mu.Lock()
	defer bk.mu.Unlock()
	q := bk.exact[strings.ToLower(tenant)+"|"+k]
	if q == nil {
		if ts := bk.loose[k]; len(ts) == 1 {
			q = bk.exact[ts[0]+"|"+k]
		}
	}
	if q == nil {
		return Answer{}, false
	}
	a := q.answers[min(q.next, len(q.answers)-1)]
	q.next++
	return a, true
}

// key is the match key: cmdlet and parameter names case-insensitive,
// values compared as JSON.
func key(cmdlet string, params map[string]any, page string) string {
	low := make(map[string]any, len(params))
	for k, v := range params {
		low[strings.ToLower(k)] = v
	}
	p, _ := json.Marshal(low) // map keys sorted: canonical
	return strings.ToLower(cmdlet) + "|" + string(p) + "|" + page
}

func input(b []byte) (string, map[string]any, bool) {
	var in struct {
		CmdletInput *struct {
			CmdletName string         `json:"CmdletName"`
			Parameters map[string]any `json:"Parameters"`
		} `json:"CmdletInput"`
	}
	if json.Unmarshal(b, &in) != nil || in.CmdletInput == nil || in.CmdletInput.CmdletName == "" {
		return "", nil, false
	}
	return in.CmdletInput.CmdletName, in.CmdletInput.Parameters, true
}

// contentType is the Content-Type among recorded headers, in whatever case
// its name was recorded: a list's first value, a string, "" otherwise.
func contentType[V any](h map[string]V) string {
	for k, v := range h {
		if !strings.EqualFold(k, "Content-Type") {
			continue
		}
		switch x := any(v).(type) {
		case string:
			return x
		case []string:
			if len(x) > 0 {
				return x[0]
			}
		}
	}
	return ""
}

// body is the answer as sent: JSON compacted (the file is indented), or text.
func body(raw json.RawMessage, text string) []byte {
	if len(raw) > 0 {
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			return b.Bytes()
		}
		return raw
	}
	return []byte(text)
}
