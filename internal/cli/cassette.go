package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/exoplay/exoplay/internal/cassette"
	"github.com/exoplay/exoplay/internal/emulator"
)

// `exoplay cassette check DIR` (issue 8 item 5): the shape check. Each
// recorded InvokeCommand or $batch is sent again, in recorded order, to an
// in-process emulator, and the shape of its answer (status, envelope keys,
// property names and JSON types, @odata.type annotations, error bodies) is
// compared with the recorded one. A recording of a real tenant thus lists
// every place where the emulator's guesses differ from the service.

type cassetteCheckOptions struct {
	IO      *streams // the command's standard streams
	dir     string
	domains []string
}

func newCassetteCmd(ios *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cassette",
		Short: "Work with recordings made by `exoplay run --record`",
	}
	opts := &cassetteCheckOptions{IO: ios}
	check := &cobra.Command{
		Use:   "check DIR",
		Short: "Compare the shapes of recorded answers with the emulator's answers to the same calls",
		Long: `Send every InvokeCommand and $batch recorded in DIR again, in recorded order,
to an in-process emulator (with a fresh token of its own), and compare the
shape of each answer with the recorded one: the status, every envelope key,
property name and JSON type (array elements as []), the values of @odata.type
annotations, and error bodies. Every difference is listed on stdout, one per
line under the cassette's file name. null matches any type.

A recorded tenant the emulator does not serve is asked of its first tenant
(--tenant sets them). A continuation page (a URL with $skiptoken) is asked of
the emulator's own next link of the same page (the recorded first page's
@odata.nextLink maps to the emulator's); when the emulator's answer had no
further page, it is counted as not compared. Token requests are not compared
(they hold no tokens).

Exit codes: 0 no difference, 3 differences found, 2 DIR unreadable.`,
		Example: `  exoplay run pb.yaml --record cassettes/ --record-redact-pii
  exoplay cassette check cassettes/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dir = args[0]
			return runCassetteCheck(cmd.Context(), opts)
		},
	}
	check.Flags().StringArrayVar(&opts.domains, "tenant", nil, "the emulator's tenant `DOMAIN` (repeatable; default contoso and fabrikam)")
	cmd.AddCommand(check)
	return cmd
}

func runCassetteCheck(ctx context.Context, o *cassetteCheckOptions) error {
	xs, err := cassette.Load(o.dir)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	var eo emulator.Options
	for _, d := range o.domains {
		eo.Tenants = append(eo.Tenants, emulator.TenantSpec{Domain: d})
	}
	emu, err := emulator.Start(eo)
	if err != nil {
		return exitf(ExitInvalid, "starting the emulator: %v", err)
	}
	defer emu.Close()
	client := emu.HTTPClient()
	defer client.CloseIdleConnections()
	c := &shapeChecker{emu: emu, client: client, tokens: map[string]string{}, next: map[string]string{}}

	compared, skipped, total := 0, map[string]int{}, 0
	for _, x := range xs {
		name := fmt.Sprintf("%06d", x.Seq)
		if files, _ := filepath.Glob(filepath.Join(o.dir, name+"-*.json")); len(files) == 1 {
			name = filepath.Base(files[0])
		}
		kind, tenantSeg := c.kind(x)
		if kind != "" {
			skipped[kind]++
			continue
		}
		status, body, err := c.send(ctx, x, tenantSeg)
		if errors.Is(err, errNoPage) {
			skipped["continuation page(s) the emulator has no page for"]++
			continue
		}
		if err != nil {
			return exitf(ExitStepFailed, "%s: %v", name, err)
		}
		compared++
		diffs := cassette.Differences(cassette.ShapeOf(x.Response.Status, cassetteBody(x)), cassette.ShapeOf(status, body))
		if len(diffs) == 0 {
			continue
		}
		total += len(diffs)
		what := cassette.Cmdlet(x.Request.Body)
		if what == "" {
			what = x.Request.Method + " " + x.Request.URL
		}
		fmt.Fprintf(o.IO.Out, "%s (%s): %d difference(s)\n", name, what, len(diffs))
		for _, d := range diffs {
			fmt.Fprintf(o.IO.Out, "  %s\n", d)
		}
	}
	var skips []string
	for k, n := range skipped {
		skips = append(skips, fmt.Sprintf("%d %s", n, k))
	}
	fmt.Fprintf(o.IO.Out, "%d exchange(s) compared, %d difference(s)", compared, total)
	if len(skips) > 0 {
		fmt.Fprintf(o.IO.Out, "; not compared: %s", strings.Join(skips, ", "))
	}
	fmt.Fprintln(o.IO.Out)
	if compared == 0 {
		return exitf(ExitInvalid, "%s holds no InvokeCommand or $batch cassette to compare", o.dir)
	}
	if total > 0 {
		return &ExitError{Code: ExitNonCompliant, Silent: true}
	}
	return nil
}

func cassetteBody(x *cassette.Exchange) []byte {
	if len(x.Response.Body) > 0 {
		return x.Response.Body
	}
	return []byte(x.Response.BodyText)
}

var itemAuthRE = regexp.MustCompile(`(?i)"authorization"\s*:\s*"` + regexp.QuoteMeta(cassette.Removed) + `"`)

type shapeChecker struct {
	emu    *emulator.Emulator
	client *http.Client
	tokens map[string]string // tenant id -> token
	// next maps a recorded @odata.nextLink (tenant swapped) to the
	// emulator's next link of the same page.
	next map[string]string
}

// errNoPage: a recorded continuation whose page the emulator did not offer.
var errNoPage = errors.New("no matching page")

func nextLink(body []byte) string {
	var p struct {
		Next string `json:"@odata.nextLink"`
	}
	json.Unmarshal(body, &p)
	return p.Next
}

// kind says why x is not compared ("" = it is), and its tenant segment.
func (c *shapeChecker) kind(x *cassette.Exchange) (string, string) {
	u, err := url.Parse(x.Request.URL)
	if err != nil {
		return "unparsable URL(s)", ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 4 || !strings.EqualFold(parts[0], "adminapi") {
		return "token or other request(s)", ""
	}
	switch op := strings.ToLower(parts[3]); {
	case op != "invokecommand" && op != "$batch":
		return "other adminapi request(s)", ""
	}
	return "", parts[2]
}

// target is the emulator's tenant that answers for a recorded segment.
func (c *shapeChecker) target(seg string) emulator.TenantInfo {
	ts := c.emu.Tenants()
	for _, t := range ts {
		if strings.EqualFold(t.ID, seg) || strings.EqualFold(t.Domain, seg) {
			return t
		}
	}
	return ts[0]
}

func (c *shapeChecker) token(ctx context.Context, tenantID string) (string, error) {
	if tok, ok := c.tokens[tenantID]; ok {
		return tok, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.emu.DemoClientID},
		"client_secret": {c.emu.DemoSecret}, "scope": {"https://outlook.office365.com/.default"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://login.microsoftonline.com/"+tenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("token from the emulator: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("no token from the emulator (status %d)", resp.StatusCode)
	}
	c.tokens[tenantID] = body.AccessToken
	return body.AccessToken, nil
}

// send replays x's request at the emulator's tenant for seg, with a token
// of the emulator in place of the removed Authorization (also inside
// $batch items).
func (c *shapeChecker) send(ctx context.Context, x *cassette.Exchange, seg string) (int, []byte, error) {
	t := c.target(seg)
	tok, err := c.token(ctx, t.ID)
	if err != nil {
		return 0, nil, err
	}
	swap := func(s string) string { return strings.ReplaceAll(s, seg, t.ID) }
	reqBody := []byte(x.Request.BodyText)
	if len(x.Request.Body) > 0 {
		// $batch items carry their own Authorization (removed when recorded).
		reqBody = itemAuthRE.ReplaceAll([]byte(swap(string(x.Request.Body))), []byte(`"Authorization": "Bearer `+tok+`"`))
	}
	target := swap(x.Request.URL)
	if u, _ := url.Parse(x.Request.URL); u != nil && u.Query().Has("$skiptoken") {
		emuNext, ok := c.next[target]
		if !ok {
			return 0, nil, errNoPage
		}
		target = emuNext
	}
	req, err := http.NewRequestWithContext(ctx, x.Request.Method, target, bytes.NewReader(reqBody))
	if err != nil {
		return 0, nil, err
	}
	for k, vs := range x.Request.Header {
		switch strings.ToLower(k) {
		case "authorization", "accept-encoding", "content-length", "cookie":
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, swap(v))
		}
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if recNext, emuNext := nextLink(x.Response.Body), nextLink(body); recNext != "" && emuNext != "" {
		c.next[swap(recNext)] = emuNext
	}
	return resp.StatusCode, body, err
}
