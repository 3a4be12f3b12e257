package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/transport"
)

// complianceAnchor is the X-AnchorMailbox of the session's Security &
// Compliance calls. A delegated user (or the tenant's anchor: override)
// keeps the session's anchor; app-only and partner (GDAP) sessions anchor
// on the system mailbox at the tenant's initial domain (§10.6), which
// comes from the playbook's organization when that is the initial domain,
// else from one Get-AcceptedDomain on Exchange, read once per session.
// The read is sent without the call's limiter: that limiter may be a
// write's send gate, whose first slot journals the write as sent, and the
// read is not that write. It stays within the organization's limit all the
// same: a tenant's steps run in order and the compliance calls that need
// the anchor wait here before taking a slot, so the read is the tenant's
// only request in flight. A failed read is not remembered, so a transient
// error costs one retry at the next compliance call rather than failing
// every one.
func (s *session) complianceAnchor(ctx context.Context) (string, error) {
	if !s.systemAnchored {
		return s.anchor, nil
	}
	s.initialMu.Lock()
	defer s.initialMu.Unlock()
	if s.initial != "" {
		return transport.ComplianceAnchor(s.initial), nil
	}
	if cloud.InitialDomain(s.tenant.Organization) {
		s.initial = strings.ToLower(s.tenant.Organization)
		return transport.ComplianceAnchor(s.initial), nil
	}
	ep, err := s.endpoint(ctx, "exchange", nil)
	if err != nil {
		return "", err
	}
	var found string
	_, err = s.c.opts.Transport.Invoke(ctx, ep, transport.Request{Cmdlet: "Get-AcceptedDomain", Select: []string{"DomainName", "InitialDomain"}}, func(o json.RawMessage) error {
		var d struct {
			DomainName    string
			InitialDomain bool
		}
		if json.Unmarshal(o, &d) == nil && d.InitialDomain && found == "" {
			found = d.DomainName
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("finding the initial domain for the compliance anchor (Get-AcceptedDomain): %w", err)
	}
	if found == "" {
		return "", fmt.Errorf("the compliance anchor needs the tenant's initial *.onmicrosoft.com domain, and Get-AcceptedDomain names none: set the tenant's organization to it, or anchor:")
	}
	s.initial = strings.ToLower(found)
	return transport.ComplianceAnchor(s.initial), nil
}
