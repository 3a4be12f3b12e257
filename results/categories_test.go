package results

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The schema's category enum is the Categories list: one vocabulary.
func TestSchemaCategoriesAreCategories(t *testing.T) {
	m := regexp.MustCompile(`"category": \{"enum": \[([^\]]*)\]`).FindSubmatch(SchemaJSON)
	if m == nil {
		t.Fatal("no category enum in results.schema.json")
	}
	var enum []string
	for _, f := range strings.Split(string(m[1]), ",") {
		enum = append(enum, strings.Trim(strings.TrimSpace(f), `"`))
	}
	if !slices.Equal(enum, Categories) {
		t.Fatalf("schema enum %v, results.Categories %v", enum, Categories)
	}
}
