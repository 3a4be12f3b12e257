package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// What the image holds and how it runs.
const (
	DefaultCABundle = "/etc/ssl/certs/ca-certificates.crt"
	BinaryPath      = "/usr/local/bin/exoplay"
	CABundlePath    = "/etc/ssl/certs/ca-certificates.crt" // where Go's crypto/x509 looks first on Linux
	UID             = 65532                                // the "nonroot" id distroless images use
	User            = "exoplay"
	Home            = "/home/exoplay"
)

// Options say what to build.
type Options struct {
	Tag      string // name:tag written into the tarball
	Binary   string // prebuilt static binary; "" = build it
	Arch     string // GOARCH
	CABundle string // PEM file to ship
	Module   string // module root, for building
	Version  string // image label; "" = `exoplay version` of a binary of the build machine's arch
}

// Build assembles the image.
func Build(o Options) (v1.Image, error) {
	if o.Arch == "" {
		return nil, fmt.Errorf("no architecture given")
	}
	epoch, err := sourceDateEpoch()
	if err != nil {
		return nil, err
	}
	bin := o.Binary
	if bin == "" {
		dir, err := os.MkdirTemp("", "exoplay-image-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "exoplay")
		if err := BuildBinary(o.Module, o.Arch, bin); err != nil {
			return nil, err
		}
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("reading the binary: %w", err)
	}
	if err := checkStatic(bin); err != nil {
		return nil, err
	}
	cas, err := os.ReadFile(o.CABundle)
	if err != nil {
		return nil, fmt.Errorf("reading the CA bundle (install Debian's ca-certificates, or pass -ca-bundle): %w", err)
	}
	version := o.Version
	if version == "" && o.Arch == runtimeArch() {
		if out, err := exec.Command(bin, "version").Output(); err == nil {
			version = string(bytes.TrimSpace(bytes.TrimPrefix(out, []byte("exoplay "))))
		}
	}

	base, err := layer(epoch, []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\n" + User + ":x:" + strconv.Itoa(UID) + ":" + strconv.Itoa(UID) + ":" + User + ":" + Home + ":/sbin/nologin\n")},
		{name: "etc/group", mode: 0o644, data: []byte("root:x:0:\n" + User + ":x:" + strconv.Itoa(UID) + ":\n")},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: CABundlePath[1:], mode: 0o644, data: cas},
		{name: "home/", mode: 0o755, dir: true},
		{name: Home[1:] + "/", mode: 0o750, dir: true, uid: UID},
		{name: "tmp/", mode: 0o1777, dir: true},
	})
	if err != nil {
		return nil, err
	}
	app, err := layer(epoch, []entry{
		{name: "usr/", mode: 0o755, dir: true},
		{name: "usr/local/", mode: 0o755, dir: true},
		{name: "usr/local/bin/", mode: 0o755, dir: true},
		{name: BinaryPath[1:], mode: 0o755, data: binary},
	})
	if err != nil {
		return nil, err
	}
	created := v1.Time{Time: epoch}
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: base, History: v1.History{Created: created, CreatedBy: "exoplay deploy/image: CA certificates, user " + User + " (" + strconv.Itoa(UID) + "), " + Home + ", /tmp"}},
		mutate.Addendum{Layer: app, History: v1.History{Created: created, CreatedBy: "exoplay deploy/image: " + BinaryPath + " (CGO_ENABLED=0)"}},
	)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", o.Arch, created
	cf.Author = "exoplay"
	cf.Config = v1.Config{
		User:       strconv.Itoa(UID) + ":" + strconv.Itoa(UID),
		Entrypoint: []string{BinaryPath},
		Cmd:        []string{"--help"},
		WorkingDir: Home,
		Env: []string{
			"PATH=/usr/local/bin",
			"HOME=" + Home,
			"SSL_CERT_FILE=" + CABundlePath,
		},
		Labels: map[string]string{
			"org.opencontainers.image.title":       "exoplay",
			"org.opencontainers.image.description": "Declarative Exchange Online playbooks across many Microsoft 365 tenants",
			"org.opencontainers.image.version":     version,
		},
	}
	return mutate.ConfigFile(img, cf)
}

// BuildBinary builds ./cmd/exoplay of the module at dir as a static binary:
// CGO_ENABLED=0, no paths of the build machine, symbols stripped.
func BuildBinary(dir, arch, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/exoplay")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/exoplay: %w", err)
	}
	return nil
}

// WriteTarball writes img as a docker-archive (docker load, podman load).
func WriteTarball(path, tag string, img v1.Image) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("-tag %q: %w", tag, err)
	}
	return tarball.WriteToFile(path, ref, img)
}

// WriteOCILayout writes img as an OCI image layout in dir.
func WriteOCILayout(dir string, img v1.Image) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendImage(img)
}

type entry struct {
	name string
	mode int64
	dir  bool
	uid  int
	data []byte
}

// layer is a gzip'd tar of entries with fixed times and owners.
func layer(mtime time.Time, entries []entry) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: mtime, Uid: e.uid, Gid: e.uid, Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// sourceDateEpoch is SOURCE_DATE_EPOCH (reproducible-builds.org), default 0.
func sourceDateEpoch() (time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", v)
	}
	return time.Unix(n, 0).UTC(), nil
}
