package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestImage builds the image as `go run ./deploy/image` does, reads the
// tarball back the way docker load does (manifest.json, config, layers),
// checks what the image holds, and runs the binary from the image's own
// filesystem as the image's user.
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := os.Stat(DefaultCABundle); err != nil {
		t.Skipf("no CA bundle at %s on this machine (Debian's ca-certificates): %v", DefaultCABundle, err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "exoplay")
	if err := BuildBinary("../..", runtime.GOARCH, bin); err != nil {
		t.Fatal(err)
	}
	img, err := Build(Options{Binary: bin, Arch: runtime.GOARCH, CABundle: DefaultCABundle})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "exoplay-image.tar")
	if err := WriteTarball(path, "exoplay:test", img); err != nil {
		t.Fatal(err)
	}
	checkDockerArchive(t, path, "exoplay:test")
	checkWithSkopeo(t, path)

	back, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := back.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" || strings.HasPrefix(c.User, "0") || c.User == "" {
		t.Errorf("config user %q, want the non-root 65532:65532", c.User)
	}
	if len(c.Entrypoint) != 1 || c.Entrypoint[0] != BinaryPath {
		t.Errorf("entrypoint %q, want [%s]", c.Entrypoint, BinaryPath)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}
	layers, err := back.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 2 {
		t.Fatalf("%d layers, want 2 (system files, binary)", len(layers))
	}
	root := filepath.Join(dir, "rootfs")
	files := map[string]*tar.Header{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		extract(t, rc, root, files)
		rc.Close()
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	for _, want := range []struct {
		path string
		mode int64
	}{{BinaryPath, 0o755}, {CABundlePath, 0o644}, {"/etc/passwd", 0o644}, {"/etc/group", 0o644}, {Home + "/", 0o750}, {"/tmp/", 0o1777}} {
		h := files[want.path]
		if h == nil {
			t.Errorf("the image has no %s; it has %v", want.path, names)
			continue
		}
		if h.Mode != want.mode {
			t.Errorf("%s mode %o, want %o", want.path, h.Mode, want.mode)
		}
	}
	if len(files) != 13 {
		t.Errorf("the image holds %d entries, want only the binary, CA bundle, passwd, group, home, /tmp and their folders: %v", len(files), names)
	}
	if h := files[Home+"/"]; h != nil && h.Uid != UID {
		t.Errorf("%s belongs to uid %d, want %d", Home, h.Uid, UID)
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if !strings.Contains(string(passwd), User+":x:65532:65532:") {
		t.Errorf("/etc/passwd has no user %s with uid 65532:\n%s", User, passwd)
	}
	if err := checkStatic(filepath.Join(root, BinaryPath)); err != nil {
		t.Error(err)
	}

	// Run `exoplay version` from the image: chrooted into its filesystem as
	// its user when this process may (root, as in CI), else directly.
	cmd := exec.Command(BinaryPath, "version")
	cmd.Env = c.Env
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: UID, Gid: UID}}
		cmd.Dir = c.WorkingDir
	} else {
		t.Logf("not root: running %s without chroot into the image", BinaryPath)
		cmd.Path = filepath.Join(root, BinaryPath)
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "exoplay ") {
		t.Fatalf("exoplay version in the image: %v\n%s", err, out)
	}
	t.Logf("in the image: %s", strings.TrimSpace(string(out)))

	oci := filepath.Join(dir, "oci")
	if err := WriteOCILayout(oci, img); err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(oci)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 {
		t.Fatalf("OCI layout index: %v, %v", m, err)
	}
	want, _ := img.Digest()
	if m.Manifests[0].Digest != want {
		t.Errorf("OCI layout holds %s, want %s", m.Manifests[0].Digest, want)
	}
}

// checkDockerArchive reads the tarball's manifest.json as docker load does:
// one image, tagged, its config and layers present in the archive.
func checkDockerArchive(t *testing.T, path, tag string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	present := map[string]bool{}
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		present[h.Name] = true
		if h.Name == "manifest.json" {
			if err := json.NewDecoder(tr).Decode(&manifest); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(manifest) != 1 || len(manifest[0].RepoTags) != 1 || manifest[0].RepoTags[0] != tag {
		t.Fatalf("manifest.json %+v, want one image tagged %s", manifest, tag)
	}
	for _, p := range append([]string{manifest[0].Config}, manifest[0].Layers...) {
		if !present[p] {
			t.Errorf("manifest.json names %s, which the archive lacks", p)
		}
	}
}

// extract unpacks a layer under root, recording each entry by its path in
// the image.
func extract(t *testing.T, r io.Reader, root string, files map[string]*tar.Header) {
	t.Helper()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		files["/"+h.Name] = h
		dst := filepath.Join(root, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			os.Chmod(dst, os.FileMode(h.Mode&0o777)|modeBits(h.Mode))
			if os.Geteuid() == 0 {
				os.Chown(dst, h.Uid, h.Gid)
			}
		case tar.TypeReg:
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, b, os.FileMode(h.Mode&0o777)); err != nil {
				t.Fatal(err)
			}
		default:
			t.Errorf("unexpected entry %s of type %c", h.Name, h.Typeflag)
		}
	}
}

func modeBits(m int64) os.FileMode {
	if m&0o1000 != 0 {
		return os.ModeSticky
	}
	return 0
}

// checkWithSkopeo reads the archive with skopeo, whose containers/image
// library is what podman load uses, where it is installed (Debian's skopeo).
func checkWithSkopeo(t *testing.T, path string) {
	t.Helper()
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Log("skopeo is not installed: the archive is read by go-containerregistry only")
		return
	}
	out, err := exec.Command(skopeo, "inspect", "--config", "docker-archive:"+path).Output()
	if err != nil {
		t.Fatalf("skopeo inspect: %v", err)
	}
	var cfg struct {
		Config struct {
			User       string
			Entrypoint []string
		} `json:"config"`
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != "65532:65532" || len(cfg.Config.Entrypoint) != 1 || cfg.Config.Entrypoint[0] != BinaryPath || len(cfg.RootFS.DiffIDs) != 2 {
		t.Fatalf("skopeo reads the image as %s", out)
	}
}
