package auth

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/exoplay/exoplay/internal/inputfile"
)

// staticAcq hands out a token made elsewhere: a value (usually from an env
// var), a file, or a command's output. A file or command is read again when a
// new token is needed, so a sidecar or a wrapper script can renew it.
type staticAcq struct {
	m    *Manager
	cred *Credential
}

func newStaticToken(m *Manager, cred *Credential) *staticAcq { return &staticAcq{m: m, cred: cred} }

func (a *staticAcq) interactive() bool { return false }

func (a *staticAcq) acquire(ctx context.Context, _, _, _ string) (tokenResult, error) {
	var tok string
	switch {
	case a.cred.AccessToken != "":
		tok = a.cred.AccessToken
	case a.cred.AccessTokenFile != "":
		b, err := inputfile.Read(a.cred.AccessTokenFile) // a FIFO must not hang the sign-in
		if err != nil {
			return tokenResult{}, configError(a.cred, "", CodeAccessTokenRead, "cannot read access_token_file: "+err.Error(), "")
		}
		tok = string(b)
	default:
		out, err := a.run(ctx)
		if err != nil {
			return tokenResult{}, err
		}
		tok = out
	}
	tok = strings.TrimSpace(tok)
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	if tok == "" {
		return tokenResult{}, configError(a.cred, "", CodeAccessTokenRead, "the access token is empty", "")
	}
	return tokenResult{token: tok}, nil
}

// run executes access_token_command; its stdout is the token.
func (a *staticAcq) run(ctx context.Context) (string, error) {
	argv := a.cred.AccessTokenCommand
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	// Whatever the helper printed may be a secret (its token, or a
	// client_secret=… it echoes while failing): it is reported for scrubbing
	// by value, and its stderr is never copied into a message.
	a.m.secret(stdout.String(), stderr.String())
	if err != nil {
		msg := fmt.Sprintf("access_token_command %q failed: %v", argv[0], err)
		if n := len(strings.TrimSpace(stderr.String())); n > 0 {
			msg += fmt.Sprintf(" (its stderr, %d bytes, is not shown: a helper may print secrets there; run it by hand to see it)", n)
		}
		return "", configError(a.cred, "", CodeAccessTokenRead, msg, "")
	}
	return stdout.String(), nil
}
