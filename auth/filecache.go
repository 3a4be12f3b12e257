package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"

	"github.com/exoplay/exoplay/internal/atomicfile"
)

// fileCache persists one MSAL public client's cache as one JSON blob (public
// clients must not be partitioned: msal-go.md §4). The folder is 0700 and
// the file 0600, written to a temporary file and renamed over the old one,
// under an flock on a side lock file so concurrent exoplay processes do not
// lose each other's sign-ins. Export merges with what is on disk, so two
// processes writing different tenants' tokens both keep theirs.
//
// The file holds refresh tokens: bearer credentials for every resource the
// user can reach. It is protected by file permissions only, like az and azd
// on Linux; say so to users, and prefer app-only methods on shared hosts.
//
// An unreadable or unwritable cache is not fatal: the sign-in still works
// for this process and a warning says the cache is not kept.
//
// MSAL calls Replace before every cache read, so with hundreds of tenants
// re-reading the blob each time would cost O(tenants) per token. A fileCache
// serves exactly one MSAL client and remembers which file version that
// client's memory holds: an unchanged file (same inode, size and mtime; every
// write is a rename, so a new inode) is not read again.
type fileCache struct {
	path string
	now  func() time.Time
	warn func(format string, args ...any)

	mu     sync.Mutex
	warned bool
	held   os.FileInfo // the file version MSAL's memory holds; nil = unknown
}

var _ cache.ExportReplace = (*fileCache)(nil)

// newFileCache returns the cache of one MSAL client, stored at path.
func newFileCache(path string, now func() time.Time, warn func(string, ...any)) *fileCache {
	return &fileCache{path: path, now: now, warn: warn}
}

// sameVersion reports whether fi is the file version MSAL's memory holds.
func (c *fileCache) sameVersion(fi os.FileInfo) bool {
	return c.held != nil && fi != nil && sameFileVersion(fi, c.held)
}

// sameFileVersion reports whether a and b are one version of a cache file:
// every write is a rename, so a new version is a new inode.
func sameFileVersion(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// delegatedCachePath names the cache file of one (authority, client).
func delegatedCachePath(dir, authority, clientID string) string {
	host := strings.NewReplacer(":", "_", "/", "_", "\\", "_").Replace(strings.TrimPrefix(authority, "https://"))
	return filepath.Join(dir, "delegated-"+host+"-"+strings.ToLower(clientID)+".json")
}

// Replace loads the file into MSAL's memory. Nothing stored loads as an
// empty cache (not nil, which would keep stale memory: msal-go.md §4).
func (c *fileCache) Replace(ctx context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var data []byte
	var fi os.FileInfo
	unchanged := false
	err := c.withLock(false, func() error {
		f, err := os.Open(c.path)
		if err != nil {
			return err
		}
		defer f.Close()
		if fi, err = f.Stat(); err != nil {
			return err
		}
		if c.sameVersion(fi) {
			unchanged = true
			return nil
		}
		data, err = io.ReadAll(f)
		return err
	})
	switch {
	case unchanged:
		return nil // MSAL's memory already holds this version
	case errors.Is(err, fs.ErrNotExist):
		data, fi = nil, nil
	case err != nil:
		c.held = nil
		c.warnLocked("cannot read the token cache %s (%v); signing in without it", c.path, err)
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	if err := u.Unmarshal(data); err != nil {
		c.held = nil
		c.warnLocked("the token cache %s is damaged (%v); it will be rewritten", c.path, err)
		return u.Unmarshal([]byte("{}"))
	}
	c.held = fi
	return nil
}

// Export writes MSAL's memory, merged over what is on disk.
func (c *fileCache) Export(ctx context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = nil
	err = c.withLock(true, func() error {
		old, err := os.ReadFile(c.path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		merged, fromDisk, err := mergeCache(old, data, c.now())
		if err != nil {
			return err
		}
		if !bytes.Equal(merged, old) {
			if err := atomicfile.WriteFile(c.path, merged, 0o600); err != nil {
				return err
			}
		}
		if !fromDisk {
			// The file now holds nothing MSAL's memory lacks (expired
			// access tokens pruned from it are never read anyway).
			c.held, _ = os.Stat(c.path)
		}
		return nil
	})
	if err != nil {
		c.warnLocked("cannot write the token cache %s (%v); this sign-in will not be remembered", c.path, err)
	}
	return nil
}

func (c *fileCache) warnLocked(format string, args ...any) {
	if !c.warned {
		c.warned = true
		c.warn(format, args...)
	}
}

// withLock runs fn holding the side lock file (shared or exclusive).
func (c *fileCache) withLock(exclusive bool, fn func() error) error {
	if err := ensureDir(filepath.Dir(c.path)); err != nil {
		return err
	}
	lf, err := os.OpenFile(c.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lf.Close()
	if err := lockFile(lf, exclusive); err != nil {
		return fmt.Errorf("locking %s: %w", lf.Name(), err)
	}
	defer unlockFile(lf)
	return fn()
}

// ensureDir creates the cache folder private to the user.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return nil
}

// mergeCache lays MSAL's blob over the one on disk section by section (its
// entries win) and drops access tokens that have expired. Output is
// deterministic so an unchanged cache is not rewritten. fromDisk reports
// entries that only the disk had (another process's sign-ins).
func mergeCache(disk, mem []byte, now time.Time) (merged []byte, fromDisk bool, err error) {
	type doc = map[string]map[string]json.RawMessage
	var memDoc, diskDoc doc
	if len(bytes.TrimSpace(mem)) > 0 {
		if err := json.Unmarshal(mem, &memDoc); err != nil {
			return nil, false, fmt.Errorf("MSAL cache blob is not JSON: %w", err)
		}
	}
	if len(bytes.TrimSpace(disk)) > 0 && json.Unmarshal(disk, &diskDoc) != nil {
		diskDoc = nil // a damaged file is replaced
	}
	for section, entries := range diskDoc {
		for k := range entries {
			if _, ok := memDoc[section][k]; !ok {
				fromDisk = true
			}
		}
	}
	out := doc{}
	for _, d := range []doc{diskDoc, memDoc} { // memory's entries win
		for section, entries := range d {
			if out[section] == nil {
				out[section] = map[string]json.RawMessage{}
			}
			maps.Copy(out[section], entries)
		}
	}
	for k, v := range out["AccessToken"] {
		var at struct {
			ExpiresOn string `json:"expires_on"`
		}
		if json.Unmarshal(v, &at) == nil {
			if sec, err := strconv.ParseInt(at.ExpiresOn, 10, 64); err == nil && time.Unix(sec, 0).Before(now) {
				delete(out["AccessToken"], k)
			}
		}
	}
	merged, err = json.Marshal(out)
	return merged, fromDisk, err
}
