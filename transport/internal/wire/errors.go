package wire

import "fmt"

// Kind says what a codec Error is about.
type Kind int

const (
	// Malformed: a 200 whose body is not a usable result envelope (empty,
	// cut short, not JSON, no value array); Msg says how.
	Malformed Kind = iota
	// Confirmation: the envelope asks for confirmation instead of running
	// the cmdlet (@adminapi.confirmationmessage); Text is the service's.
	Confirmation
	// Service: the envelope carries an error; Body is {"error":...}.
	Service
	// Parameter: a parameter value that cannot be encoded; Msg names it.
	Parameter
)

// Error is a failure of the codec. It names no cmdlet and no status: the
// transport adds those and decides what the failure means for a retry.
type Error struct {
	Kind Kind
	Msg  string
	Text string
	Body []byte
}

func (e *Error) Error() string {
	switch e.Kind {
	case Confirmation:
		return "the service asked for confirmation: " + e.Text
	case Service:
		return "the service answered with an error envelope"
	}
	return e.Msg
}

// malformed is a 200 whose body is not a usable result envelope.
func malformed(format string, a ...any) *Error {
	return &Error{Kind: Malformed, Msg: "the service answered 200 with " + fmt.Sprintf(format, a...)}
}

// EmitError carries an error returned by the caller's emit func: the
// decoding stopped there, and the error is the caller's own.
type EmitError struct{ Err error }

func (e *EmitError) Error() string { return e.Err.Error() }
func (e *EmitError) Unwrap() error { return e.Err }
