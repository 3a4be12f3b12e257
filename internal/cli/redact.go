package cli

import (
	"github.com/exoplay/exoplay/playbook"
	"github.com/exoplay/exoplay/results"
)

// Secrets are scrubbed by value from everything a command writes (issue 14
// item 8): stdout, stderr, exoplay.log, events.jsonl, results.json, reports.
// The set starts with the values of secret vars (secret_vars, and vars whose
// names look secret) and grows while the run goes on: auth reports each
// credential's resolved secrets, every token and whatever an
// access_token_command prints.

// commandSecrets is the set a command knows once its playbook is loaded.
func commandSecrets(pb *playbook.Playbook, vars map[string]any) *results.Secrets {
	s := results.NewSecrets()
	s.Add(pb.SecretValues(vars, results.LooksSecret)...)
	return s
}

// scrubbed returns a copy of the streams whose Out and Err scrub s's values.
func (st *streams) scrubbed(s *results.Secrets) *streams {
	c := *st
	c.Out, c.Err = s.Writer(st.Out), s.Writer(st.Err)
	return &c
}
