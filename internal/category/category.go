package category

import "slices"

// The categories, in the order results.schema.json lists them.
const (
	Auth       = "auth"       // sign-in failed or the token was refused
	Permission = "permission" // signed in, but not allowed (consent, roles)
	NotFound   = "not_found"
	Validation = "validation" // the request is wrong: fix the playbook
	Throttled  = "throttled"
	Transient  = "transient" // retrying may succeed
	Timeout    = "timeout"
	Internal   = "internal" // a bug of exoplay (a recovered panic)
	Unknown    = "unknown"
)

// All lists every category, in the order above.
func All() []string {
	return []string{Auth, Permission, NotFound, Validation, Throttled, Transient, Timeout, Internal, Unknown}
}

// Known reports whether c is one of All.
func Known(c string) bool { return slices.Contains(All(), c) }
