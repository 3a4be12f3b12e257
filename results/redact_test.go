package results

import (
	"slices"
	"testing"
)

func TestRedactArgv(t *testing.T) {
	t.Parallel()
	in := []string{"exoplay", "run", "pb.yaml", "--var", "desired=true", "--var", "api_password=hunter2",
		"--var=client_secret=s3cr3t", "--token", "abc", "--client-secret=xyz", "--limit", "eu"}
	want := []string{"exoplay", "run", "pb.yaml", "--var", "desired=true", "--var", "api_password=" + Redacted,
		"--var=client_secret=" + Redacted, "--token", Redacted, "--client-secret=" + Redacted, "--limit", "eu"}
	got := RedactArgv(in)
	if !slices.Equal(got, want) {
		t.Fatalf("RedactArgv:\n got %q\nwant %q", got, want)
	}
	if in[6] != "api_password=hunter2" {
		t.Fatal("RedactArgv modified its input")
	}
}
