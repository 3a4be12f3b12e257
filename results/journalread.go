package results

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"

	"github.com/exoplay/exoplay/internal/atomicfile"
)

// Each journal record is one JSON object on one line, sealed with a
// checksum of the rest of it: {...,"crc":"xxxxxxxx"} where xxxxxxxx is the
// CRC-32C of the object as it reads without the crc member. A record whose
// checksum does not match was torn by a crash or damaged on disk: it is
// never taken for a state the run reached.
const crcKey = `,"crc":"`

// crcSuffixLen is len(`,"crc":"xxxxxxxx"}`).
const crcSuffixLen = len(crcKey) + 8 + 2

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sealRecord adds the crc member to the object encoded at b[start:].
func sealRecord(b []byte, start int) []byte {
	sum := crc32.Checksum(b[start:], castagnoli)
	b = append(b[:len(b)-1], crcKey...) // drop the closing brace
	b = hex.AppendEncode(b, []byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	return append(b, '"', '}')
}

// openRecord checks a line's checksum and returns the object without it.
// Records written before checksums existed (no crc member) are taken as
// they are.
func openRecord(line []byte) ([]byte, error) {
	n := len(line)
	if n < crcSuffixLen+2 || !bytes.HasSuffix(line, []byte(`"}`)) || !bytes.Equal(line[n-crcSuffixLen:n-crcSuffixLen+len(crcKey)], []byte(crcKey)) {
		if bytes.Contains(line, []byte(`"crc":`)) {
			return nil, fmt.Errorf("damaged checksum")
		}
		return line, nil // an older journal
	}
	var want [4]byte
	if _, err := hex.Decode(want[:], line[n-10:n-2]); err != nil {
		return nil, fmt.Errorf("damaged checksum")
	}
	body := append(line[:n-crcSuffixLen:n-crcSuffixLen], '}')
	sum := crc32.Checksum(body, castagnoli)
	if sum != uint32(want[0])<<24|uint32(want[1])<<16|uint32(want[2])<<8|uint32(want[3]) {
		return nil, fmt.Errorf("checksum mismatch")
	}
	return body, nil
}

// journalScan is what reading a journal found.
type journalScan struct {
	events []Event
	good   int64  // bytes up to the end of the last good record
	torn   int    // records (or bytes of a last line) after good: a torn tail
	bad    string // why the first bad record of the tail is bad
}

// scanJournal decodes data. A bad record (checksum, JSON, or a last line
// without its newline) followed only by bad records is a torn tail: the
// scan stops before it. A bad record followed by a good one is damage in
// the middle of the journal, an error: what it said cannot be known.
func scanJournal(data []byte) (*journalScan, error) {
	sc := &journalScan{}
	var firstBad error
	badLine := 0
	lineNo := 0
	off := int64(0)
	for len(data) > 0 {
		lineNo++
		i := bytes.IndexByte(data, '\n')
		var line []byte
		complete := i >= 0
		if complete {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		next := off + int64(len(line))
		if complete {
			next++
		}
		if len(bytes.TrimSpace(line)) == 0 && complete {
			off = next
			if firstBad == nil {
				sc.good = off
			}
			continue
		}
		var ev Event
		err := error(nil)
		if !complete {
			err = fmt.Errorf("the line has no end (the write was torn)")
		} else if body, cerr := openRecord(line); cerr != nil {
			err = cerr
		} else if jerr := json.Unmarshal(body, &ev); jerr != nil {
			err = jerr
		}
		if err != nil {
			if firstBad == nil {
				firstBad, badLine = err, lineNo
			}
			sc.torn++
			off = next
			continue
		}
		if firstBad != nil {
			return nil, fmt.Errorf("%s line %d is damaged (%v) and line %d after it is intact: the journal cannot be trusted past line %d; keep this run directory for inspection and start a new run",
				EventsFile, badLine, firstBad, lineNo, badLine-1)
		}
		sc.events = append(sc.events, ev)
		off = next
		sc.good = off
	}
	if firstBad != nil {
		sc.bad = fmt.Sprintf("line %d: %v", badLine, firstBad)
	}
	return sc, nil
}

// ReadEvents decodes an events.jsonl stream. A torn tail (the process or
// the disk failed while writing it) is left out; damage before an intact
// record is an error.
func ReadEvents(r io.Reader) ([]Event, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	sc, err := scanJournal(data)
	if err != nil {
		return nil, err
	}
	return sc.events, nil
}

// repairJournal cuts a torn tail off the journal at path, keeping the
// original next to it, so that the next record is appended after the last
// good one (not glued onto half a line). It returns what it did ("" when
// the journal was whole) and the events the journal holds after that, or
// an error for damage in the middle.
func repairJournal(path string, now time.Time) (string, []Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	sc, err := scanJournal(data)
	if err != nil {
		return "", nil, err
	}
	if sc.good == int64(len(data)) {
		return "", sc.events, nil
	}
	backup := fmt.Sprintf("%s.torn-%s", path, now.UTC().Format("20060102T150405.000000000Z"))
	if err := atomicfile.WriteFile(backup, data, 0o600); err != nil {
		return "", nil, fmt.Errorf("keeping a copy of the torn journal: %w", err)
	}
	if err := os.Truncate(path, sc.good); err != nil {
		return "", nil, fmt.Errorf("cutting the torn journal back: %w", err)
	}
	return fmt.Sprintf("%s had a torn tail (%d bytes after its last good record; %s), cut back to the last good record; the original is kept as %s",
		EventsFile, int64(len(data))-sc.good, sc.bad, backup), sc.events, nil
}
