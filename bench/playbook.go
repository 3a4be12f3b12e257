package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/exoplay/exoplay/internal/emulator"
)

// playbookSpec is a generated playbook: its tenants reach the emulator like a
// real cloud (connection_uri, authority_uri, client-secret app auth).
type playbookSpec struct {
	Name     string
	Settings map[string]int // settings: key -> value
	Steps    string         // the steps: YAML list, indented by two spaces
}

// target is the tenants a generated playbook names: production tenants
// (O365Default), which the run reaches by dialling the service's names to
// the emulator (--connect-to, see runCmd).
type target struct {
	ClientID string
	Domains  []string
}

func targetOf(emu *emulator.Emulator) target {
	t := target{ClientID: emu.DemoClientID}
	for _, tn := range emu.Tenants() {
		t.Domains = append(t.Domains, tn.Domain)
	}
	return t
}

// yaml renders the playbook for the target's tenants.
func (p playbookSpec) yaml(t target) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nname: %s\nauth:\n  app:\n    method: client_secret\n    client_id: %s\n    client_secret: ${{ env.BENCH_SECRET }}\n",
		p.Name, t.ClientID)
	if len(p.Settings) > 0 {
		b.WriteString("settings:\n")
		for _, k := range slices.Sorted(maps.Keys(p.Settings)) {
			fmt.Fprintf(&b, "  %s: %d\n", k, p.Settings[k])
		}
	}
	b.WriteString("tenants:\n")
	for _, d := range t.Domains {
		fmt.Fprintf(&b, "  - name: %s\n    organization: %s\n    auth: app\n", strings.SplitN(d, ".", 2)[0], d)
	}
	b.WriteString("steps:\n" + p.Steps)
	return b.String()
}

// write stores the playbook in a fresh scratch folder and returns its path.
func (h *harness) writePlaybook(p playbookSpec, emu *emulator.Emulator) (string, error) {
	dir, err := h.scratch("playbook")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, p.Name+".yaml")
	return path, os.WriteFile(path, []byte(p.yaml(targetOf(emu))), 0o600)
}

// Steps of the generated playbooks.
const (
	// readWriteSteps lists every mailbox, then sets each one's deleted-item
	// retention from the 14-day default to 30 days: a harmless property that
	// always changes (so every call is a real write the emulator records) and
	// that no identity index depends on (so the emulator's cost stays flat).
	readWriteSteps = `  - name: Mailboxes
    id: mailboxes
    cmdlet: Get-Mailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity]
    register: mbx
  - name: Touch every mailbox
    id: touch
    cmdlet: Set-Mailbox
    foreach: ${{ mbx }}
    parameters: {Identity: "${{ item.Identity }}", RetainDeletedItemsFor: "30.00:00:00"}
`
	// readReadSteps lists every mailbox, then reads each one by identity.
	readReadSteps = `  - name: Mailboxes
    id: mailboxes
    cmdlet: Get-Mailbox
    parameters: {ResultSize: Unlimited}
    select: [Identity]
    register: mbx
  - name: Read every mailbox
    id: read
    cmdlet: Get-Mailbox
    foreach: ${{ mbx }}
    parameters: {Identity: "${{ item.Identity }}"}
    select: [Identity, RetainDeletedItemsFor]
`
	// exportSteps exports every mailbox with all its properties.
	exportSteps = `  - name: Export mailboxes
    id: export
    cmdlet: Get-Mailbox
    parameters: {ResultSize: Unlimited}
`
	// firstCallSteps is a single small read: the cold-start probe.
	firstCallSteps = `  - name: Organization config
    id: org
    cmdlet: Get-OrganizationConfig
    select: [Name]
`
)

// benchTenants names n tenants bench-000, bench-001, ... with m mailboxes each.
func benchTenants(n, m int) []emulator.TenantSpec {
	ts := make([]emulator.TenantSpec, n)
	for i := range ts {
		ts[i] = emulator.TenantSpec{Domain: fmt.Sprintf("bench-%03d.onmicrosoft.com", i), Mailboxes: m}
	}
	return ts
}
