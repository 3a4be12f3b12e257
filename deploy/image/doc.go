// Command image builds exoplay's container image without a Docker daemon
// and without pulling a base image: go-containerregistry assembles, onto an
// empty base, one layer with the CA bundle, a passwd/group naming a non-root
// user and its home, and one layer with the static binary (CGO_ENABLED=0).
// It writes a docker-archive tarball that `docker load` and `podman load`
// accept and, with -oci, an OCI image layout.
//
//	go run ./deploy/image -out exoplay-image.tar
//	docker load -i exoplay-image.tar   # or: podman load -i exoplay-image.tar
//
// The image is reproducible: file times and the image's creation time come
// from SOURCE_DATE_EPOCH (default 0), so one source tree gives one digest.
package main
