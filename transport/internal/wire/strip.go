package wire

import "bytes"

var (
	odataMark = []byte("@odata.")
	dataMark  = []byte("@data.")
)

// stripAnnotations returns a copy of one JSON value without the OData
// annotation members ("@odata.type", "Prop@odata.type", "Prop@data.type",
// ...) at any depth. src is valid JSON, as produced by json.Decoder; on
// anything unexpected the value is returned unchanged rather than damaged.
func stripAnnotations(src []byte) []byte {
	if bytes.IndexByte(src, '@') < 0 {
		return bytes.Clone(src)
	}
	s := stripper{src: src, dst: make([]byte, 0, len(src))}
	s.ws()
	if !s.value(true) {
		return bytes.Clone(src)
	}
	return s.dst
}

type stripper struct {
	src []byte
	dst []byte
	i   int
}

func (s *stripper) ws() { s.i = skipSpace(s.src, s.i) }

func (s *stripper) value(emit bool) bool {
	if s.i >= len(s.src) {
		return false
	}
	switch s.src[s.i] {
	case '{':
		return s.object(emit)
	case '[':
		return s.array(emit)
	case '"':
		start := s.i
		if !s.str() {
			return false
		}
		if emit {
			s.dst = append(s.dst, s.src[start:s.i]...)
		}
		return true
	}
	start := s.i
	for s.i < len(s.src) {
		c := s.src[s.i]
		if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		s.i++
	}
	if s.i == start {
		return false
	}
	if emit {
		s.dst = append(s.dst, s.src[start:s.i]...)
	}
	return true
}

// str advances over a string literal, escapes included.
func (s *stripper) str() bool {
	s.i++ // opening quote
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return true
		default:
			s.i++
		}
	}
	return false
}

func (s *stripper) object(emit bool) bool {
	if s.open('{', '}', emit) {
		return true
	}
	wrote := false
	for {
		s.ws()
		if s.i >= len(s.src) || s.src[s.i] != '"' {
			return false
		}
		start := s.i
		if !s.str() {
			return false
		}
		key := s.src[start:s.i]
		s.ws()
		if s.i >= len(s.src) || s.src[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		keep := emit && !bytes.Contains(key, odataMark) && !bytes.Contains(key, dataMark)
		if keep {
			if wrote {
				s.dst = append(s.dst, ',')
			}
			s.dst = append(s.dst, key...)
			s.dst = append(s.dst, ':')
			wrote = true
		}
		if !s.value(keep) {
			return false
		}
		if more, ok := s.next('}', emit); !more {
			return ok
		}
	}
}

func (s *stripper) array(emit bool) bool {
	if s.open('[', ']', emit) {
		return true
	}
	for n := 0; ; n++ {
		s.ws()
		if n > 0 && emit {
			s.dst = append(s.dst, ',')
		}
		if !s.value(emit) {
			return false
		}
		if more, ok := s.next(']', emit); !more {
			return ok
		}
	}
}

// open reads an object's or array's opening byte, written out when emit,
// and reports whether the closing byte follows at once (an empty one,
// closed and written too).
func (s *stripper) open(opening, closing byte, emit bool) (empty bool) {
	s.i++
	if emit {
		s.dst = append(s.dst, opening)
	}
	s.ws()
	if s.i < len(s.src) && s.src[s.i] == closing {
		s.i++
		if emit {
			s.dst = append(s.dst, closing)
		}
		return true
	}
	return false
}

// next reads what follows a member or element: a ',' (more follow) or
// the closing byte, written out when emit. ok is false for anything else.
func (s *stripper) next(closing byte, emit bool) (more, ok bool) {
	s.ws()
	if s.i >= len(s.src) {
		return false, false
	}
	switch s.src[s.i] {
	case ',':
		s.i++
		return true, true
	case closing:
		s.i++
		if emit {
			s.dst = append(s.dst, closing)
		}
		return false, true
	}
	return false, false
}
