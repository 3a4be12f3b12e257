// Package atomicfile is the one home of replacing a file whole: WriteFile
// writes a temporary file beside the target, syncs it and renames it over
// the target, so that a reader (or a crash) sees the old file or the new
// one, never half of one. auth writes its token cache by it; results its
// results.json, manifest.json and journal backups.
//
// It is a leaf: it imports nothing of the module, so every layer may use it
// (see layering_test.go).
package atomicfile
