package runner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/emulator"
	"github.com/exoplay/exoplay/results"
	"github.com/exoplay/exoplay/runner"
)

// A value an expression computes is checked against the cmdlet catalog's
// type before the call is built into a request: nothing is sent.
func TestValueFromExpressionIsCheckedBeforeSending(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{}, `version: 1
name: bad-value
vars: {pop: "yes please"}
`+tenantsYAML+`steps:
  - name: Two mailboxes
    id: two
    cmdlet: Get-CASMailbox
    parameters: {ResultSize: 2}
    select: [Identity]
    register: mbx
  - name: POP
    id: pop
    cmdlet: Set-CASMailbox
    foreach: ${{ mbx }}
    parameters: {Identity: "${{ item.Identity }}", PopEnabled: "${{ vars.pop }}"}
`)
	res, _ := e.run(context.Background(), runner.Options{}, "")
	s := stepOf(t, tenantOf(t, res, "contoso"), "pop")
	if s.Status != results.StatusFailed || s.Items.Failed != 2 || len(s.ItemErrors) == 0 {
		t.Fatalf("pop: %s %+v %+v", s.Status, s.Items, s.ItemErrors)
	}
	if err := s.ItemErrors[0].Error; err == nil || err.Code != "parameter_value" || !strings.Contains(err.Message, `PopEnabled takes true or false (unquoted), not the text "yes please"`) {
		t.Errorf("item error: %+v", s.ItemErrors[0])
	}
	if n := e.emu.Counters().Tenant("contoso.onmicrosoft.com").Calls("Set-CASMailbox"); n != 0 {
		t.Errorf("Set-CASMailbox sent %d times", n)
	}
}

// A Security & Compliance cmdlet without service: goes to the compliance
// endpoint because the catalog says it exists only there (on the Exchange
// endpoint the service answers an unknown cmdlet).
func TestServiceFromTheCatalogReachesCompliance(t *testing.T) {
	t.Parallel()
	e := startEnv(t, emulator.Options{}, `version: 1
name: alerts
`+tenantsYAML+`steps:
  - name: Alerts
    id: alerts
    cmdlet: Get-ProtectionAlert
`)
	res, _ := e.run(context.Background(), runner.Options{}, "")
	for _, tn := range []string{"contoso", "fabrikam"} {
		if s := stepOf(t, tenantOf(t, res, tn), "alerts"); s.Status != results.StatusOK {
			t.Errorf("%s: %s %+v", tn, s.Status, s.Error)
		}
	}
}
