// Package category is the one vocabulary of error categories (DESIGN.md §4):
// what kind of failure an error is, for results, retries and exit codes.
// transport and auth classify with it, the runner files results with it, and
// results' schema enumerates it (a test in results ties the two). It is a
// leaf: any layer may import it, and it imports nothing of the module.
package category
