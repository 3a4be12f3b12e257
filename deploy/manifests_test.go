package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/exoplay/exoplay/cloud"
	"github.com/exoplay/exoplay/internal/cli"
	"github.com/exoplay/exoplay/playbook"
)

// typed decodes one manifest document strictly into its k8s.io/api type:
// a field the type does not have (a typo, a field of another version) fails.
func typed(t *testing.T, where string, doc []byte) any {
	t.Helper()
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var obj any
	switch meta.APIVersion + " " + meta.Kind {
	case "batch/v1 CronJob":
		obj = &batchv1.CronJob{}
	case "batch/v1 Job":
		obj = &batchv1.Job{}
	case "v1 PersistentVolumeClaim":
		obj = &corev1.PersistentVolumeClaim{}
	case "v1 ServiceAccount":
		obj = &corev1.ServiceAccount{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	default:
		t.Fatalf("%s: no k8s.io/api type for %s %s: add one here", where, meta.APIVersion, meta.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		t.Fatalf("%s: %s %s does not decode strictly: %v", where, meta.APIVersion, meta.Kind, err)
	}
	return obj
}

// documents splits a YAML stream.
func documents(b []byte) [][]byte {
	var out [][]byte
	for _, d := range bytes.Split(append([]byte("\n"), b...), []byte("\n---")) {
		if len(bytes.TrimSpace(d)) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// manifests decodes every Kubernetes object under kubernetes/ (not the
// kustomizations, playbooks or inventories), keyed by file.
func manifests(t *testing.T) map[string][]any {
	t.Helper()
	out := map[string][]any{}
	err := filepath.WalkDir("kubernetes", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		switch filepath.Base(p) {
		case "kustomization.yaml", "playbook.yaml":
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, doc := range documents(b) {
			out[p] = append(out[p], typed(t, fmt.Sprintf("%s#%d", p, i+1), doc))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func only[T any](t *testing.T, objs map[string][]any, file string) T {
	t.Helper()
	list := objs[filepath.FromSlash(file)]
	if len(list) != 1 {
		t.Fatalf("%s holds %d objects, want 1", file, len(list))
	}
	o, ok := list[0].(T)
	if !ok {
		t.Fatalf("%s holds a %T", file, list[0])
	}
	return o
}

func TestManifestsDecodeStrictly(t *testing.T) {
	objs := manifests(t)
	if len(objs) < 6 {
		t.Fatalf("found %d manifest files", len(objs))
	}

	cj := only[*batchv1.CronJob](t, objs, "kubernetes/overlays/cronjob/cronjob.yaml")
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("CronJob concurrencyPolicy %q, want Forbid", cj.Spec.ConcurrencyPolicy)
	}
	checkPod(t, "CronJob", &cj.Spec.JobTemplate.Spec.Template.Spec, true)
	checkRetries(t, "CronJob", &cj.Spec.JobTemplate.Spec, batchv1.PodFailurePolicyActionFailJob)

	job := only[*batchv1.Job](t, objs, "kubernetes/overlays/sharded/indexed-job.yaml")
	if job.Spec.CompletionMode == nil || *job.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("Indexed Job completionMode %v, want Indexed", job.Spec.CompletionMode)
	}
	if job.Spec.Completions == nil || job.Spec.Parallelism == nil || *job.Spec.Parallelism < 2 {
		t.Fatalf("Indexed Job completions %v parallelism %v", job.Spec.Completions, job.Spec.Parallelism)
	}
	shardPod := &job.Spec.Template.Spec
	checkPod(t, "Indexed Job", shardPod, true)
	checkRetries(t, "Indexed Job", &job.Spec, batchv1.PodFailurePolicyActionFailIndex)
	args := shardPod.Containers[0].Args
	if i := slices.Index(args, "--shard"); i < 0 || args[i+1] != "auto" {
		t.Errorf("Indexed Job args %q lack --shard auto", args)
	}
	count := fmt.Sprint(*job.Spec.Completions)
	if env := envOf(shardPod.Containers[0], "EXOPLAY_SHARD_COUNT"); env != count {
		t.Errorf("EXOPLAY_SHARD_COUNT=%q but completions is %s", env, count)
	}
	if !slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, "$(JOB_COMPLETION_INDEX)") }) {
		t.Errorf("Indexed Job args %q: each shard needs a --run-dir of its own", args)
	}

	merge := only[*batchv1.Job](t, objs, "kubernetes/overlays/sharded/merge-job.yaml")
	mergePod := &merge.Spec.Template.Spec
	checkPod(t, "merge Job", mergePod, false)
	margs := mergePod.Containers[0].Args
	if margs[0] != "merge" || !slices.Contains(margs, "--wait") {
		t.Errorf("merge Job args %q: want merge ... --wait", margs)
	}
	if i := slices.Index(margs, "--shard-count"); i < 0 || margs[i+1] != count {
		t.Errorf("merge Job args %q: --shard-count must be the Indexed Job's completions %s", margs, count)
	}
	if !strings.HasPrefix(args[slices.Index(args, "--run-dir")+1], margs[1]+"/") {
		t.Errorf("the merge Job reads %s, but the shards write %q", margs[1], args)
	}

	pvc := only[*corev1.PersistentVolumeClaim](t, objs, "kubernetes/base/results-pvc.yaml")
	if pvc.Spec.Resources.Requests.Storage().IsZero() {
		t.Error("the results PVC requests no storage")
	}
}

// checkPod holds what every exoplay pod needs: non-root, no privilege,
// resource requests, results on the PVC and, for runs, the certificate
// from a Secret.
func checkPod(t *testing.T, what string, pod *corev1.PodSpec, run bool) {
	t.Helper()
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("%s: the pod must run as non-root", what)
	}
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("%s: restartPolicy %q: a retry must be a new pod the Job controller counts", what, pod.RestartPolicy)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: %d containers", what, len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation ||
		c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Errorf("%s: the container must not escalate and must have a read-only root", what)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: resources %v: want cpu and memory requests and a memory limit", what, c.Resources)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	var hasPVC, hasSecret bool
	for _, v := range pod.Volumes {
		if _, ok := mounts[v.Name]; !ok {
			t.Errorf("%s: volume %s is not mounted", what, v.Name)
		}
		hasPVC = hasPVC || v.PersistentVolumeClaim != nil && mounts[v.Name] == "/var/lib/exoplay"
		hasSecret = hasSecret || v.Secret != nil
	}
	if !hasPVC {
		t.Errorf("%s: results do not go to the PVC at /var/lib/exoplay", what)
	}
	if run && !hasSecret {
		t.Errorf("%s: no certificate from a Secret volume", what)
	}
	checkArgs(t, what, c.Args)
}

// checkRetries: a run that ended (exit 1-4) is not retried; a pod evicted
// does not count; anything else is retried (and resumes, by --run-dir).
func checkRetries(t *testing.T, what string, spec *batchv1.JobSpec, ended batchv1.PodFailurePolicyAction) {
	t.Helper()
	p := spec.PodFailurePolicy
	if p == nil || len(p.Rules) < 2 {
		t.Fatalf("%s: no podFailurePolicy", what)
	}
	r := p.Rules[0]
	if r.Action != ended || r.OnExitCodes == nil || !slices.Equal(r.OnExitCodes.Values, []int32{1, 2, 3, 4}) {
		t.Errorf("%s: first podFailurePolicy rule %+v: want %s on exit codes 1-4", what, r, ended)
	}
	if slices.Contains(r.OnExitCodes.Values, 130) {
		t.Errorf("%s: exit 130 (interrupted) must be retried: it resumes", what)
	}
	args := spec.Template.Spec.Containers[0].Args
	if !slices.Contains(args, "--run-dir") {
		t.Errorf("%s: args %q: without --run-dir a retried pod starts over instead of resuming", what, args)
	}
}

// checkArgs runs the container's arguments through the real command line
// with --help: an unknown flag or command fails.
func checkArgs(t *testing.T, what string, args []string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), append(slices.Clone(args), "--help"), strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Errorf("%s: exoplay %s: exit %d: %s", what, strings.Join(args, " "), code, errb.String())
	}
}

func envOf(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// TestKustomizeBuilds builds every overlay with kubectl kustomize and
// decodes its output strictly; kubectl apply --dry-run=client runs too
// where a cluster answers (it needs the API server's schema).
func TestKustomizeBuilds(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed: the overlays are not built (TestManifestsDecodeStrictly still decodes every file)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cluster := exec.CommandContext(ctx, kubectl, "version", "--request-timeout=3s").Run() == nil
	overlays, _ := filepath.Glob("kubernetes/overlays/*")
	if len(overlays) < 3 {
		t.Fatalf("overlays: %v", overlays)
	}
	for _, o := range overlays {
		out, err := exec.Command(kubectl, "kustomize", o).Output()
		if err != nil {
			t.Fatalf("kubectl kustomize %s: %v\n%s", o, err, stderrOf(err))
		}
		kinds := map[string]int{}
		var objs []any
		for i, doc := range documents(out) {
			obj := typed(t, fmt.Sprintf("kustomize %s #%d", o, i+1), doc)
			objs = append(objs, obj)
			kinds[fmt.Sprintf("%T", obj)]++
			switch v := obj.(type) {
			case *batchv1.CronJob:
				checkBuiltPod(t, o, &v.Spec.JobTemplate.Spec.Template.Spec, strings.HasSuffix(o, "cronjob"))
			case *batchv1.Job:
				checkBuiltPod(t, o, &v.Spec.Template.Spec, false)
			case *corev1.ConfigMap:
				checkPlaybooks(t, o, v)
			}
		}
		if kinds["*v1.ConfigMap"] != 1 || kinds["*v1.PersistentVolumeClaim"] != 1 {
			t.Errorf("%s builds %v", o, kinds)
		}
		if overlayMethod(o) == "workload_identity" {
			checkWorkloadIdentity(t, o, objs)
		}
		if !cluster {
			t.Logf("%s: no cluster answers kubectl: kubectl apply --dry-run=client not run (it needs the API server's schema)", o)
			continue
		}
		apply := exec.Command(kubectl, "apply", "--dry-run=client", "-f", "-")
		apply.Stdin = bytes.NewReader(out)
		if b, err := apply.CombinedOutput(); err != nil {
			t.Errorf("kubectl apply --dry-run=client -k %s: %v\n%s", o, err, b)
		}
	}
}

// overlayMethods is how each overlay's playbook signs in; only the
// certificate ones mount the certificate Secret.
var overlayMethods = map[string]string{"cronjob": "certificate", "sharded": "certificate",
	"managed-identity": "managed_identity", "workload-identity": "workload_identity"}

func overlayMethod(overlay string) string { return overlayMethods[filepath.Base(overlay)] }

// checkBuiltPod: kustomize resolved the ConfigMap's hashed name and the
// image; an overlay that signs in without a certificate mounts none.
func checkBuiltPod(t *testing.T, overlay string, pod *corev1.PodSpec, wantSecret bool) {
	t.Helper()
	if img := pod.Containers[0].Image; !strings.Contains(img, "/exoplay:") {
		t.Errorf("%s: image %q was not set by the images transformer", overlay, img)
	}
	secret := false
	for _, v := range pod.Volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == "exoplay-playbook" {
			t.Errorf("%s: the ConfigMap reference was not rewritten to the generated name", overlay)
		}
		secret = secret || v.Secret != nil
	}
	if overlayMethod(overlay) != "certificate" && secret {
		t.Errorf("%s: still mounts the certificate Secret", overlay)
	}
	if wantSecret && !secret {
		t.Errorf("%s: mounts no certificate Secret", overlay)
	}
}

// checkPlaybooks loads the playbook the overlay ships, with its inventory,
// as exoplay will in the pod.
func checkPlaybooks(t *testing.T, overlay string, cm *corev1.ConfigMap) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range cm.Data {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pb, err := playbook.Load(filepath.Join(dir, "playbook.yaml"), playbook.LoadOptions{})
	if err != nil {
		t.Fatalf("%s: its playbook does not load: %v", overlay, err)
	}
	if len(pb.Tenants) == 0 {
		t.Errorf("%s: its playbook has no tenant", overlay)
	}
	fleet := pb.Auth["fleet"]
	if want := overlayMethod(overlay); fleet.Method != want {
		t.Errorf("%s: the playbook signs in with %s, want %s", overlay, fleet.Method, want)
	}
	// The webhook's token path and client id are the ones to use: a
	// playbook naming others would not follow the service account.
	if fleet.Method == "workload_identity" && (fleet.ClientID != "" || fleet.TokenFile != "") {
		t.Errorf("%s: the playbook overrides the webhook's AZURE_CLIENT_ID or AZURE_FEDERATED_TOKEN_FILE", overlay)
	}
}

// checkWorkloadIdentity holds what the Azure Workload Identity webhook
// needs to give the pod a token exoplay can use: the pod's service account
// names the app (azure.workload.identity/client-id, a GUID) and the pod
// carries azure.workload.identity/use: "true", without which the webhook
// leaves it alone (Azure/azure-workload-identity docs, troubleshooting).
func checkWorkloadIdentity(t *testing.T, overlay string, objs []any) {
	t.Helper()
	accounts := map[string]*corev1.ServiceAccount{}
	var pods []*corev1.PodTemplateSpec
	for _, o := range objs {
		switch v := o.(type) {
		case *corev1.ServiceAccount:
			accounts[v.Name] = v
		case *batchv1.CronJob:
			pods = append(pods, &v.Spec.JobTemplate.Spec.Template)
		}
	}
	if len(pods) == 0 {
		t.Fatalf("%s: no CronJob", overlay)
	}
	for _, p := range pods {
		if p.Labels["azure.workload.identity/use"] != "true" {
			t.Errorf("%s: the pod template lacks the label azure.workload.identity/use: \"true\" (labels %v)", overlay, p.Labels)
		}
		sa := accounts[p.Spec.ServiceAccountName]
		if sa == nil {
			t.Errorf("%s: the pod's service account %q is not in the overlay", overlay, p.Spec.ServiceAccountName)
			continue
		}
		if id := sa.Annotations["azure.workload.identity/client-id"]; !cloud.IsGUID(id) {
			t.Errorf("%s: service account %s: azure.workload.identity/client-id is %q, want the app's client id", overlay, sa.Name, id)
		}
	}
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// TestSystemdUnits checks the service and timer with systemd-analyze
// verify, where it exists: an unknown key or bad value is reported.
func TestSystemdUnits(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the units are not verified")
	}
	dir := t.TempDir()
	for _, f := range []string{"exoplay.service", "exoplay.timer"} {
		b, err := os.ReadFile(filepath.Join("systemd", f))
		if err != nil {
			t.Fatal(err)
		}
		// The binary is not installed here: point ExecStart at one that is,
		// so verify checks the unit, not this machine.
		b = bytes.ReplaceAll(b, []byte("ExecStart=/usr/local/bin/exoplay "), []byte("ExecStart=/bin/true "))
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if f == "exoplay.service" && !bytes.Contains(b, []byte("ExecStart=/bin/true run /etc/exoplay/playbook.yaml")) {
			t.Fatal("exoplay.service: ExecStart is not exoplay run")
		}
	}
	out, err := exec.Command(sa, "verify", "--man=no", filepath.Join(dir, "exoplay.service"), filepath.Join(dir, "exoplay.timer")).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The service's command line is a real one.
	svc, _ := os.ReadFile(filepath.Join("systemd", "exoplay.service"))
	for _, line := range strings.Split(string(svc), "\n") {
		if cmd, ok := strings.CutPrefix(line, "ExecStart=/usr/local/bin/exoplay "); ok {
			checkArgs(t, "exoplay.service", strings.Fields(cmd))
		}
	}
}
