// Package deploy holds what runs exoplay beyond one terminal, and the tests
// that keep it honest:
//
//   - image/: the container image, built offline (go run ./deploy/image);
//     Dockerfile: the same for those who prefer docker build;
//   - kubernetes/: kustomize base and overlays: a nightly CronJob
//     (certificate, or managed identity as a federated credential), an
//     Indexed Job of N shards (--shard auto) and the merge Job;
//   - systemd/: a service and timer for a single VM.
//
// The tests decode every manifest strictly into the k8s.io/api types, run
// kubectl kustomize where kubectl exists, check each container's arguments
// against the real command line, and play the Job controller: N exoplay
// processes with JOB_COMPLETION_INDEX=0..N-1 against one emulator, a shard
// killed and retried, then the merge. docs/kubernetes.md is the user's guide.
package deploy
