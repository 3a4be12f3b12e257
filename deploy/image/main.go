package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"
)

func main() {
	var o Options
	var out, oci string
	flag.StringVar(&out, "out", "exoplay-image.tar", "write the image as a docker-archive tarball (docker load / podman load) to `FILE`")
	flag.StringVar(&oci, "oci", "", "also write an OCI image layout to `DIR`")
	flag.StringVar(&o.Tag, "tag", "exoplay:latest", "the image's name:tag in the tarball")
	flag.StringVar(&o.Binary, "binary", "", "a prebuilt static exoplay `FILE` (default: build ./cmd/exoplay with CGO_ENABLED=0)")
	flag.StringVar(&o.Arch, "arch", runtime.GOARCH, "GOARCH of the binary and the image")
	flag.StringVar(&o.CABundle, "ca-bundle", DefaultCABundle, "PEM `FILE` of CA certificates to ship (the build machine's)")
	flag.StringVar(&o.Module, "C", ".", "the module's root `DIR`, for building the binary")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "image: unexpected arguments %v\n", flag.Args())
		os.Exit(2)
	}
	start := time.Now()
	img, err := Build(o)
	if err == nil {
		err = WriteTarball(out, o.Tag, img)
	}
	if err == nil && oci != "" {
		err = WriteOCILayout(oci, img)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "image: %v\n", err)
		os.Exit(1)
	}
	st, _ := os.Stat(out)
	d, _ := img.Digest()
	fmt.Fprintf(os.Stderr, "image: wrote %s (%s, %.1f MiB, %s) in %.1fs\n", out, o.Tag, float64(st.Size())/(1<<20), d, time.Since(start).Seconds())
}
