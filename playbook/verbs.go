package playbook

import "strings"

// readVerbs are the cmdlet verbs that never change anything.
var readVerbs = []string{"Get", "Test", "Search", "Export"}

// StepWrites reports whether a cmdlet may change the organization: every
// verb but Get-, Test-, Search- and Export- writes (case-insensitive).
func StepWrites(cmdlet string) bool {
	verb, _, _ := strings.Cut(cmdlet, "-")
	for _, v := range readVerbs {
		if strings.EqualFold(verb, v) {
			return false
		}
	}
	return true
}
