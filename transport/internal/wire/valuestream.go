package wire

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// valueStream reads the objects of a streamed page's value array: each
// object is found and checked in one pass by the validator, where
// json.Decoder.Decode into a RawMessage scans it twice (to find its end,
// then again to unmarshal). It holds one object at a time (plus what one
// read brings), so a page of any size streams in flat memory.
//
// It takes on only the common case: well-formed objects separated by
// commas. At the end of the array, or at anything else (a malformed or
// truncated object, a read error, a missing comma), it stops where
// decodePage's own loop over dec.More/dec.Decode would stand and hands back
// a json.Decoder in that very state, fed the same remaining bytes, so that
// decodePage goes on exactly as if it had read the array itself.
type valueStream struct {
	src io.Reader
	buf []byte
	off int   // start of the bytes not consumed yet
	err error // the error (io.EOF at the end) that ended src; sticky
}

// streamValues runs decodePage's value-array loop from just after the '['.
// dec is decodePage's decoder and r its reader. It returns the decoder for
// decodePage to continue with, or stop: the page is over (the ResultSize
// limit reached, or emit failed: err).
func streamValues(dec *json.Decoder, r io.Reader, skip, want int, emit func(json.RawMessage) error, p *Page, emitted *int) (next *json.Decoder, stop bool, err error) {
	s := valueStream{src: io.MultiReader(dec.Buffered(), r), buf: make([]byte, 0, 32<<10)}
	afterObject := false
	for {
		c, ok := s.peek()
		if !ok || c == ']' || c == '}' { // dec.More would be false
			return s.handOver(afterObject), false, nil
		}
		if want >= 0 && *emitted >= want {
			p.Full = true
			return nil, true, nil // the rest is not wanted
		}
		if afterObject && c != ',' {
			return s.handOver(afterObject), false, nil
		}
		start, end, ok := s.object(afterObject)
		if !ok { // s.off still at the comma or the object: hand over from there
			return s.handOver(afterObject), false, nil
		}
		obj := s.buf[start:end]
		s.off = end
		afterObject = true
		p.Seen++
		if p.Seen <= skip {
			continue
		}
		if err := emit(stripAnnotations(obj)); err != nil {
			return nil, true, &EmitError{err}
		}
		*emitted++
	}
}

// peek skips whitespace and returns the next byte, reading as needed; ok
// is false when the source ended (or failed) first.
func (s *valueStream) peek() (byte, bool) {
	for {
		s.off = skipSpace(s.buf, s.off)
		if s.off < len(s.buf) {
			return s.buf[s.off], true
		}
		if !s.fill() {
			return 0, false
		}
	}
}

// object finds the JSON value at s.off (after the comma at s.off when
// comma is set, and whitespace) and checks it, reading more until it is
// complete and followed by a byte (a number could go on in the next read)
// or the source has ended. s.off is left where it was: reads move the
// bytes, never past it.
func (s *valueStream) object(comma bool) (start, end int, ok bool) {
	for {
		i := s.off
		if comma {
			i++
		}
		i = skipSpace(s.buf, i)
		// Depth 0: json.Decoder.Decode scans each value with a fresh
		// scanner, so its nesting limit counts from the value itself.
		v := validator{b: s.buf, i: i}
		valid := v.value(0)
		switch {
		case valid && (v.i < len(s.buf) || s.err != nil):
			return i, v.i, true
		case !valid && (!v.short || s.err != nil):
			return 0, 0, false
		}
		s.fill() // more bytes, or s.err: the next round decides
	}
}

// fill reads more into buf, first moving the unconsumed bytes to its
// start (the offsets of object restart from there). It reports false when
// the source has ended or failed without a byte more.
func (s *valueStream) fill() bool {
	if s.err != nil {
		return false
	}
	if s.off > 0 {
		n := copy(s.buf, s.buf[s.off:])
		s.buf = s.buf[:n]
		s.off = 0
	}
	// Read at least as much again as is buffered (and a few KiB), unless
	// the source ends: object re-checks the value from its start after
	// each fill, so the bytes checked stay within twice the value's size,
	// however small the reads (a TLS record, a gzip window). A fixed
	// amount per fill made a big value cost quadratic time.
	start := len(s.buf)
	need := max(streamFillMin, start)
	if cap(s.buf)-start < need {
		nb := make([]byte, start, max(start+need, 2*cap(s.buf)))
		copy(nb, s.buf)
		s.buf = nb
	}
	atLeast := start + need
	for len(s.buf) < atLeast {
		n, err := s.src.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.err = err
			break
		}
	}
	return len(s.buf) > start || s.err == nil
}

// streamFillMin is the least a fill reads; tests lower it to 1 so that
// reads end at every place in a body.
var streamFillMin = 4 << 10

// handOver returns a decoder in the state decodePage's loop is in at this
// point — inside the envelope, inside the value array, after an element
// or not — reading the bytes not consumed yet and then what the source
// still holds (or its error). The element before, if any, is stood in for
// by a null, which decodePage's loop reads and drops (resumeStand).
func (s *valueStream) handOver(afterObject bool) *json.Decoder {
	prefix := resumeEnvelope
	if afterObject {
		prefix += resumeStand
	}
	rest := []io.Reader{strings.NewReader(prefix), bytes.NewReader(s.buf[s.off:])}
	if s.err != nil {
		rest = append(rest, errReader{s.err})
	} else {
		rest = append(rest, s.src)
	}
	dec := json.NewDecoder(io.MultiReader(rest...))
	for range 3 { // {, "value", [
		_, _ = dec.Token()
	}
	if afterObject {
		var stand json.RawMessage
		_ = dec.Decode(&stand)
	}
	return dec
}

const (
	resumeEnvelope = `{"value":[`
	// resumeStand is a value no following byte can extend (a number could
	// run on into ".5"), so the decoder meets those bytes as it would have.
	resumeStand = `null`
)
