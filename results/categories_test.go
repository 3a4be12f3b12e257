package results

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/exoplay/exoplay/internal/category"
)

// The schema's category enum is internal/category's list: one vocabulary.
func TestSchemaCategoriesAreCategories(t *testing.T) {
	m := regexp.MustCompile(`"category": \{"enum": \[([^\]]*)\]`).FindSubmatch(SchemaJSON)
	if m == nil {
		t.Fatal("no category enum in results.schema.json")
	}
	var enum []string
	for _, f := range strings.Split(string(m[1]), ",") {
		enum = append(enum, strings.Trim(strings.TrimSpace(f), `"`))
	}
	if !slices.Equal(enum, category.All()) {
		t.Fatalf("schema enum %v, category.All %v", enum, category.All())
	}
}
