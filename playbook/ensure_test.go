package playbook

import (
	"slices"
	"testing"
)

func TestEnsureChecks(t *testing.T) {
	const pop = "      identity: a\n      state: {PopEnabled: false}\n"
	cases := []catalogCase{
		{"ok", "  - ensure:\n      cmdlet: Set-CASMailbox\n" + pop, "", ""},
		{"ok with read", "  - ensure:\n      cmdlet: Set-CASMailbox\n      read: Get-CASMailbox\n" + pop, "", ""},
		{"cmdlet typo", "  - ensure:\n      cmdlet: Set-CASMailboxx\n" + pop, "4:15", `unknown cmdlet "Set-CASMailboxx" (did you mean "Set-CASMailbox"?)`},
		{"state key typo", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n      state: {PopEnabld: false}\n", "6:15",
			`unknown parameter "PopEnabld" for Set-CASMailbox (did you mean "PopEnabled"?)`},
		{"state value type", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n      state: {PopEnabled: \"yes please\"}\n", "6:27",
			`PopEnabled takes true or false (unquoted), not the text "yes please"`},
		{"on-premises state key", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n      state: {ECPEnabled: false}\n", "6:15",
			"parameter ECPEnabled of Set-CASMailbox exists only in on-premises Exchange Server"},
		{"identity missing", "  - ensure:\n      cmdlet: Set-CASMailbox\n      state: {PopEnabled: false}\n", "4:7", `ensure is missing the required key "identity"`},
		{"state missing", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n", "4:7", `ensure is missing the required key "state"`},
		{"state empty", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n      state: {}\n", "6:14", "state must be a mapping of properties"},
		{"read cmdlet", "  - ensure:\n      cmdlet: Get-CASMailbox\n" + pop, "4:15", "ensure: cmdlet Get-CASMailbox reads"},
		{"not a Set- without read", "  - ensure:\n      cmdlet: Enable-InboxRule\n" + pop, "4:15", "Enable-InboxRule is not a Set- cmdlet, so its read cannot be derived"},
		{"read is a write", "  - ensure:\n      cmdlet: Set-CASMailbox\n      read: Set-Mailbox\n" + pop, "5:13", "read: Set-Mailbox is a write"},
		{"read typo", "  - ensure:\n      cmdlet: Set-CASMailbox\n      read: Get-CASMailboxx\n" + pop, "5:13", `unknown read cmdlet "Get-CASMailboxx" (did you mean "Get-CASMailbox"?)`},
		{"no Get- pair", "  - ensure:\n      cmdlet: Set-OMEMessageRevocation\n      identity: a\n      state: {Revoke: true}\n", "4:15", "the catalog has no Get-OMEMessageRevocation"},
		{"Identity in state", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n      state: {Identity: b}\n", "6:15", "state: Identity names the object"},
		{"add/remove in state", "  - ensure:\n      cmdlet: Set-Mailbox\n      identity: a\n      state: {EmailAddresses: {Add: x}}\n", "6:31", "a desired state is the whole value"},
		{"beside cmdlet", "  - cmdlet: Set-CASMailbox\n    ensure:\n      cmdlet: Set-CASMailbox\n" + pop, "3:5", "cmdlet cannot be used with ensure"},
		{"beside register", "  - register: x\n    ensure:\n      cmdlet: Set-CASMailbox\n" + pop, "3:5", "register cannot be used with ensure"},
		{"unknown key", "  - ensure:\n      cmdlet: Set-CASMailbox\n      identity: a\n      desired: {PopEnabled: false}\n", "6:7", `unknown key "desired" in ensure`},
		{"one per organization", "  - ensure:\n      cmdlet: Set-OrganizationConfig\n      state: {OAuth2ClientProfileEnabled: true}\n", "", ""},
		{"unchecked", "  - unchecked: true\n    ensure:\n      cmdlet: Set-Brandnew\n      identity: a\n      state: {Anything: 1}\n", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantStepDiagnostic(t, c.step, c.at, c.want) })
	}
}

func TestEnsureLoadsIntoTheWriteAndItsRead(t *testing.T) {
	src := catalogHead + "  - name: POP off\n    ensure:\n      cmdlet: set-casmailbox\n      identity: ${{ item.Identity }}\n      state: {PopEnabled: false, ImapEnabled: false}\n    foreach: [{Identity: a}]\n" +
		"  - ensure:\n      cmdlet: Set-Brandnew\n      identity: a\n      state: {X: 1}\n    unchecked: true\n"
	pb, err := Parse("p.yaml", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := pb.Steps[0]
	if st.Ensure == nil || st.Ensure.Read != "Get-CASMailbox" || !st.Write || st.ID != "pop-off" {
		t.Fatalf("step: ensure %+v write %v id %s; want the catalog's Get-CASMailbox as read, a write", st.Ensure, st.Write, st.ID)
	}
	var names []string
	for _, p := range st.Parameters {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"Identity", "PopEnabled", "ImapEnabled"}) || !slices.Equal(st.Ensure.State, []string{"PopEnabled", "ImapEnabled"}) {
		t.Fatalf("parameters %v state %v", names, st.Ensure.State)
	}
	// The comparison follows the write parameter's type.
	if !st.Same("PopEnabled", "True", true) || st.Same("PopEnabled", true, false) {
		t.Fatal("Boolean comparison")
	}
	if un := pb.Steps[1]; un.Ensure.Read != "Get-Brandnew" || !un.Same("X", "ABC", "abc") {
		t.Fatalf("unchecked step: read %q; want the Get- pair by name and text compared ignoring case", un.Ensure.Read)
	}
}
