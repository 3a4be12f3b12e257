package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/exoplay/exoplay/notify"
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// envNotifyURL holds the webhook when --notify is not given: a Teams or
// Slack webhook address is a credential, better kept out of argv.
const envNotifyURL = "EXOPLAY_NOTIFY_URL"

// notifyFlags are --notify and its companions; they override the
// playbook's notify: block.
type notifyFlags struct {
	url, format, on string
	// sleep replaces the backoff's timer in tests.
	sleep func(context.Context, time.Duration) error
}

func (n *notifyFlags) addTo(f *pflag.FlagSet) {
	f.StringVar(&n.url, "notify", "", "POST a summary of the run to this webhook `URL` when it ends (env "+envNotifyURL+"); overrides the playbook's notify:")
	choiceVar(f, &n.format, "notify-format", "", "notification body: json, teams or slack (default: the playbook's, else json)", "json", "teams", "slack")
	choiceVar(f, &n.on, "notify-on", "", "notify always, or on failure only (an exit code other than 0)", "always", "failure")
}

// target resolves where the end of a run is announced: the flags, else the
// playbook's notify: (nil pb, or sharded, skips the playbook's: the merge
// of the shards announces the whole run). Nil means nowhere. A webhook
// that is named but resolves to nothing is an error before any work.
func (n *notifyFlags) target(pb *playbook.Playbook, sharded bool) (*notify.Target, error) {
	t := &notify.Target{Format: "json", On: "always", Timeout: playbook.DefaultNotifyTimeout, Retries: playbook.DefaultNotifyRetries}
	if pb != nil && pb.Notify != nil && !sharded {
		c := pb.Notify
		u, err := notifyURL(c)
		if err != nil {
			return nil, exitf(ExitInvalid, "%s: notify: %v", pb.Path, err)
		}
		t = &notify.Target{URL: u, Format: c.Format, On: c.On, Timeout: c.Timeout, Retries: c.Retries}
	}
	if n.url == "" {
		n.url = os.Getenv(envNotifyURL)
	}
	if n.url != "" {
		t.URL = n.url
	}
	if n.format != "" {
		t.Format = n.format
	}
	if n.on != "" {
		t.On = n.on
	}
	if t.URL == "" {
		if n.format != "" || n.on != "" {
			return nil, exitf(ExitInvalid, "--notify-format and --notify-on need a webhook: --notify URL, %s, or notify: in the playbook", envNotifyURL)
		}
		return nil, nil
	}
	if !strings.HasPrefix(t.URL, "https://") && !strings.HasPrefix(t.URL, "http://") {
		return nil, exitf(ExitInvalid, "the notify webhook must be an http:// or https:// URL")
	}
	return t, nil
}

// notifyURL reads the webhook of the playbook's notify: block.
func notifyURL(c *playbook.Notify) (string, error) {
	if c.URLFile != "" {
		b, err := os.ReadFile(c.URLFile)
		if err != nil {
			return "", fmt.Errorf("cannot read url_file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	env := map[string]any{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	v, err := c.URL.Eval(playbook.Scope{"env": env})
	if err != nil {
		return "", fmt.Errorf("url: %w", err)
	}
	s, _ := v.(string)
	if s == "" {
		return "", fmt.Errorf("url: %s resolved to an empty value; set the environment variable it names", c.URL.Source())
	}
	return s, nil
}

// announce sends the run's summary when the target wants it. It never
// changes the run's outcome: a failure is a warning on stderr.
func announce(io *streams, t *notify.Target, res *results.Results, dir string, sleep func(context.Context, time.Duration) error) {
	if t == nil || !t.Due(res.Summary.ExitCode) {
		return
	}
	// Not the run's context: an interrupted run is announced too.
	if err := notify.Send(context.Background(), *t, notify.Summarize(res, dir), notify.Options{Sleep: sleep}); err != nil {
		fmt.Fprintf(io.Err, "exoplay: warning: %v\n", err)
	}
}
