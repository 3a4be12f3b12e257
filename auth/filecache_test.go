package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// blob is a stand-in for MSAL's in-memory cache.
type blob struct{ data []byte }

func (b *blob) Marshal() ([]byte, error) { return b.data, nil }
func (b *blob) Unmarshal(d []byte) error {
	if !json.Valid(d) {
		return fmt.Errorf("not JSON")
	}
	b.data = append([]byte(nil), d...)
	return nil
}

var (
	_ cache.Marshaler   = (*blob)(nil)
	_ cache.Unmarshaler = (*blob)(nil)
)

func newTestCache(path string, now time.Time) (*fileCache, *[]string) {
	var warnings []string
	return newFileCache(path, func() time.Time { return now }, func(f string, a ...any) {
		warnings = append(warnings, fmt.Sprintf(f, a...))
	}), &warnings
}

func rtEntry(key string) []byte {
	return []byte(`{"RefreshToken":{"` + key + `":{"home_account_id":"` + key + `","secret":"rt"}}}`)
}

func TestFileCachePermissionsAndAtomicWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exoplay", "cache")
	path := filepath.Join(dir, "delegated-x.json")
	c, warnings := newTestCache(path, time.Now())

	// Nothing stored loads as an empty cache, not as "keep what you had".
	b := &blob{data: []byte(`{"stale":{}}`)}
	if err := c.Replace(context.Background(), b, cache.ReplaceHints{}); err != nil || string(b.data) != "{}" {
		t.Fatalf("Replace of a missing file: %q, %v", b.data, err)
	}
	if err := c.Export(context.Background(), &blob{data: rtEntry("a")}, cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + ".lock": 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left: %v", entries)
	}
	// Unchanged content is not rewritten.
	st1, _ := os.Stat(path)
	time.Sleep(10 * time.Millisecond) // mtime granularity, not timing logic
	_ = c.Export(context.Background(), &blob{data: rtEntry("a")}, cache.ExportHints{})
	st2, _ := os.Stat(path)
	if !st1.ModTime().Equal(st2.ModTime()) {
		t.Error("an unchanged cache was rewritten")
	}
	if len(*warnings) != 0 {
		t.Errorf("warnings: %v", *warnings)
	}
}

// Two processes (here: two caches on one path) writing different sign-ins
// concurrently both keep theirs.
func TestFileCacheConcurrentWritersMerge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "delegated-x.json")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := newTestCache(path, time.Now())
			if err := c.Export(context.Background(), &blob{data: rtEntry("acct" + strconv.Itoa(i))}, cache.ExportHints{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c, _ := newTestCache(path, time.Now())
	b := &blob{}
	if err := c.Replace(context.Background(), b, cache.ReplaceHints{}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b.data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc["RefreshToken"]) != 20 {
		t.Fatalf("%d of 20 sign-ins survived", len(doc["RefreshToken"]))
	}
}

func TestMergeCacheDropsExpiredAccessTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	disk := []byte(`{"AccessToken":{"old":{"expires_on":"1700000000"},"keep":{"expires_on":"1900000000"}},"Account":{"a":{}}}`)
	mem := []byte(`{"AccessToken":{"new":{"expires_on":"1900000001"}},"Account":{"b":{}}}`)
	out, fromDisk, err := mergeCache(disk, mem, now)
	if err != nil || !fromDisk {
		t.Fatal(err, fromDisk)
	}
	var doc map[string]map[string]json.RawMessage
	_ = json.Unmarshal(out, &doc)
	if _, ok := doc["AccessToken"]["old"]; ok || len(doc["AccessToken"]) != 2 || len(doc["Account"]) != 2 {
		t.Fatalf("merged %s", out)
	}
	// A damaged file is replaced, not fatal.
	if _, fromDisk, err := mergeCache([]byte("{garbage"), mem, now); err != nil || fromDisk {
		t.Fatal(err, fromDisk)
	}
	// An empty memory lacks everything on disk.
	if _, fromDisk, err := mergeCache(disk, nil, now); err != nil || !fromDisk {
		t.Fatal(err, fromDisk)
	}
	if _, _, err := mergeCache(disk, []byte("{garbage"), now); err == nil {
		t.Fatal("a damaged MSAL blob was merged")
	}
}

func TestFileCacheDamagedOrUnwritable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "delegated-x.json")
	_ = os.WriteFile(path, []byte("{garbage"), 0o600)
	c, warnings := newTestCache(path, time.Now())
	b := &blob{}
	if err := c.Replace(context.Background(), b, cache.ReplaceHints{}); err != nil || string(b.data) != "{}" {
		t.Fatalf("damaged file: %q %v", b.data, err)
	}
	if len(*warnings) != 1 {
		t.Fatalf("warnings %v", *warnings)
	}
	// A cache folder that cannot be created: a warning, never a failed sign-in.
	blocker := filepath.Join(dir, "file")
	_ = os.WriteFile(blocker, nil, 0o600)
	c2, warnings2 := newTestCache(filepath.Join(blocker, "sub", "x.json"), time.Now())
	if err := c2.Export(context.Background(), &blob{data: rtEntry("a")}, cache.ExportHints{}); err != nil || len(*warnings2) != 1 {
		t.Fatalf("unwritable: %v %v", err, *warnings2)
	}
}

func TestCacheDirPrecedence(t *testing.T) {
	t.Setenv("EXOPLAY_CACHE_DIR", "/from/env")
	if d, _ := cacheDir("/from/options"); d != "/from/options" {
		t.Errorf("options: %s", d)
	}
	if d, _ := cacheDir(""); d != "/from/env" {
		t.Errorf("env: %s", d)
	}
	if runtime.GOOS != "linux" {
		return // os.UserCacheDir follows XDG only on Linux
	}
	t.Setenv("EXOPLAY_CACHE_DIR", "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	t.Setenv("HOME", "/home/u")
	if d, _ := cacheDir(""); d != filepath.Join("/xdg", "exoplay") {
		t.Errorf("default: %s", d)
	}
}

// A client whose memory holds the file's version does not read it again;
// a write by anyone else (a new file by rename) makes it read.
func TestFileCacheRereadsOnlyChangedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "delegated-x.json")
	a, _ := newTestCache(path, time.Now())
	other, _ := newTestCache(path, time.Now())
	ctx := context.Background()
	_ = a.Export(ctx, &blob{data: rtEntry("a")}, cache.ExportHints{})

	mem := &blob{data: []byte(`{"memory":{}}`)}
	if err := a.Replace(ctx, mem, cache.ReplaceHints{}); err != nil || string(mem.data) != `{"memory":{}}` {
		t.Fatalf("unchanged file was read again: %s %v", mem.data, err)
	}
	_ = other.Export(ctx, &blob{data: rtEntry("b")}, cache.ExportHints{})
	if err := a.Replace(ctx, mem, cache.ReplaceHints{}); err != nil || !strings.Contains(string(mem.data), `"b"`) || !strings.Contains(string(mem.data), `"a"`) {
		t.Fatalf("changed file not read: %s %v", mem.data, err)
	}
	// Export merged another process's entry in: memory lacks it, so the
	// next Replace must read.
	_ = other.Export(ctx, &blob{data: rtEntry("c")}, cache.ExportHints{})
	_ = a.Export(ctx, &blob{data: rtEntry("a")}, cache.ExportHints{})
	mem = &blob{data: []byte(`{}`)}
	if err := a.Replace(ctx, mem, cache.ReplaceHints{}); err != nil || !strings.Contains(string(mem.data), `"c"`) {
		t.Fatalf("merged entries not loaded: %s %v", mem.data, err)
	}
}

// BenchmarkFileCacheReplace is MSAL's Replace before each silent token with
// a 1000-tenant delegated cache on disk that did not change.
func BenchmarkFileCacheReplace(b *testing.B) {
	path := filepath.Join(b.TempDir(), "delegated-x.json")
	doc := map[string]map[string]any{"AccessToken": {}}
	for i := range 1000 {
		doc["AccessToken"][fmt.Sprintf("k%d", i)] = map[string]string{"secret": strings.Repeat("x", 2000), "expires_on": "4000000000", "realm": fmt.Sprint(i)}
	}
	data, _ := json.Marshal(doc)
	c, _ := newTestCache(path, time.Now())
	_ = c.Export(context.Background(), &blob{data: data}, cache.ExportHints{})
	mem := &blob{}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Replace(context.Background(), mem, cache.ReplaceHints{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TenantStatus remembers a cache file only while it is unchanged: a sign-in
// written by another process shows at once.
func TestTenantStatusSeesCacheChanges(t *testing.T) {
	dir := t.TempDir()
	m := NewManager(Options{CacheDir: dir})
	defer m.Close()
	cred := &Credential{Method: MethodDeviceCode}
	status := func(tenant string) TenantStatus {
		t.Helper()
		st, err := m.TenantStatus(context.Background(), cred, statusAuthority, tenant, exchange)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(contosoID); st.Usable || st.RefreshToken {
		t.Fatalf("no cache: %+v", st)
	}
	writeDelegatedCache(t, dir, fabrikamID)
	if st := status(contosoID); st.Usable || !st.RefreshToken {
		t.Fatalf("cache without contoso: %+v", st)
	}
	if st := status(fabrikamID); !st.Usable || !st.SignedIn {
		t.Fatalf("fabrikam: %+v", st)
	}
	writeDelegatedCache(t, dir, fabrikamID, contosoID)
	if st := status(contosoID); !st.Usable || !st.SignedIn || st.ExpiresOn.IsZero() {
		t.Fatalf("contoso signed in since: %+v", st)
	}
}

// BenchmarkFileCacheExport is the write after each network token with a
// 500-tenant delegated cache on disk: one access token changed, the disk
// blob merged under it, written and synced.
func BenchmarkFileCacheExport(b *testing.B) {
	path := filepath.Join(b.TempDir(), "delegated-x.json")
	doc := map[string]map[string]any{"AccessToken": {}}
	for i := range 500 {
		doc["AccessToken"][fmt.Sprintf("k%d", i)] = map[string]string{"secret": strings.Repeat("x", 2000), "expires_on": "4000000000", "realm": fmt.Sprint(i)}
	}
	c, _ := newTestCache(path, time.Now())
	data, _ := json.Marshal(doc)
	_ = c.Export(context.Background(), &blob{data: data}, cache.ExportHints{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		doc["AccessToken"]["k0"] = map[string]string{"secret": strings.Repeat("y", 2000), "expires_on": fmt.Sprint(4000000000 + i), "realm": "0"}
		data, _ := json.Marshal(doc)
		if err := c.Export(context.Background(), &blob{data: data}, cache.ExportHints{}); err != nil {
			b.Fatal(err)
		}
	}
}
