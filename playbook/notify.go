package playbook

import "time"

// Notify is the playbook's notify: block: where and when the end of a run
// is announced (the CLI's notify package sends it).
type Notify struct {
	// URL is the webhook, from ${{ env.NAME }} only: Teams and Slack
	// webhook URLs carry their own credential.
	URL     *Value
	URLFile string // or read from this file
	Format  string // json | teams | slack (default json)
	On      string // always | failure (default always)
	Timeout time.Duration
	Retries int
	Pos     Pos
}

// Notify defaults.
const (
	DefaultNotifyTimeout = 10 * time.Second
	DefaultNotifyRetries = 3
)

var notifyKeys = []string{"url", "url_file", "format", "on", "timeout", "retries"}

func (l *loader) notify(n *node) *Notify {
	f := l.fields(n, "notify", notifyKeys...)
	if f == nil {
		return nil
	}
	nt := &Notify{Pos: n.pos, Timeout: DefaultNotifyTimeout, Retries: DefaultNotifyRetries, Format: "json", On: "always"}
	nt.URL = l.secret(f, "url")
	nt.URLFile = l.pathField(f, "url_file")
	switch {
	case f.has("url") && f.has("url_file"):
		l.d.add(n.pos, "notify takes url or url_file, not both")
	case !f.has("url") && !f.has("url_file"):
		l.d.add(n.pos, "notify needs url: ${{ env.NAME }} or url_file: PATH (the webhook's address is a credential: it is never written in the playbook)")
	}
	if s, _ := f.enum("format", "json", "teams", "slack"); s != "" {
		nt.Format = s
	}
	if s, _ := f.enum("on", "always", "failure"); s != "" {
		nt.On = s
	}
	if d, ok := f.duration("timeout"); ok {
		nt.Timeout = d
	}
	if r, ok := f.integer("retries", 0, 10); ok {
		nt.Retries = r
	}
	return nt
}
