package exchange

import (
	"encoding/base64"
	"encoding/binary"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// expiredText is the service's answer to a continuation it will not serve
// (exo-rest-protocol.md §5.2); the text names the default expiry whatever
// the configured one is, as the service does.
const expiredText = "Expired or Invalid pagination request. Default Expiry time is 00:30:00"

// cursor is the state behind the nextLinks of one paged result. Pages are
// cut from the kept Result, so a continuation never runs the cmdlet again.
type cursor struct {
	id       uint64
	tenantID string
	svc      Service
	cmdlet   string
	canon    string // canonical request body: a continuation must send the same
	anchor   string // X-AnchorMailbox of the first page: a continuation must send the same
	sel      *selector
	res      *Result
	pageSize int

	mu       sync.Mutex
	lastLink time.Time
}

// cursors issues and looks up skiptokens: id, offset, issue time and a
// keyed hash, base64url. The hash makes them opaque and unforgeable, and
// the embedded time tells an expired link from one that never existed.
type cursors struct {
	mu      sync.Mutex
	m       map[uint64]*cursor
	next    uint64
	seed    maphash.Seed
	inserts int
}

func (c *cursors) init() {
	c.m = map[uint64]*cursor{}
	c.seed = maphash.MakeSeed()
}

func (c *cursors) add(cur *cursor, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	cur.id = c.next
	cur.lastLink = now
	c.m[cur.id] = cur
	c.inserts++
	if c.inserts%256 == 0 || len(c.m) > maxCursors {
		for id, v := range c.m {
			v.mu.Lock()
			dead := now.Sub(v.lastLink) > ttl
			v.mu.Unlock()
			if dead {
				delete(c.m, id)
			}
		}
	}
	// Abandoned continuations of big results hold memory: past the bound,
	// the oldest goes (its links then answer "Expired or Invalid").
	for len(c.m) > maxCursors {
		oldest := cur.id
		for id := range c.m {
			oldest = min(oldest, id)
		}
		delete(c.m, oldest)
	}
}

// maxCursors bounds the paged results kept for continuation.
const maxCursors = 4096

func (c *cursors) get(id uint64) *cursor {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

// token encodes a link to the page starting at offset.
func (c *cursors) token(cur *cursor, offset int, now time.Time) string {
	cur.mu.Lock()
	cur.lastLink = now
	cur.mu.Unlock()
	var b [32]byte
	binary.BigEndian.PutUint64(b[0:], cur.id)
	binary.BigEndian.PutUint64(b[8:], uint64(offset))
	binary.BigEndian.PutUint64(b[16:], uint64(now.UnixNano()))
	binary.BigEndian.PutUint64(b[24:], maphash.Bytes(c.seed, b[:24]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// parse decodes a skiptoken; ok is false for one this server never issued.
func (c *cursors) parse(tok string) (id uint64, offset int, issued time.Time, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 32 || binary.BigEndian.Uint64(b[24:]) != maphash.Bytes(c.seed, b[:24]) {
		return 0, 0, time.Time{}, false
	}
	return binary.BigEndian.Uint64(b[0:]), int(binary.BigEndian.Uint64(b[8:])),
		time.Unix(0, int64(binary.BigEndian.Uint64(b[16:]))), true
}

// preferPageSize reads odata.maxpagesize from a Prefer header, tolerating
// spaces around '=' as CIPP writes it; 0 when absent or unreadable.
func preferPageSize(h string) int {
	for _, part := range strings.Split(h, ",") {
		for _, p := range strings.Split(part, ";") {
			k, v, ok := strings.Cut(p, "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "odata.maxpagesize") {
				continue
			}
			n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(v), `"`))
			if err == nil && n > 0 {
				return min(n, maxPageSize)
			}
		}
	}
	return 0
}
