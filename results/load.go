package results

import (
	"fmt"
	"os"
)

// ReadRunDir reads the results.json of a finished (or interrupted) run
// directory without opening it for writing, for commands that only look at
// a run: report, diff, show, verify.
func ReadRunDir(dir string) (*Results, error) {
	var r Results
	found, err := readJSONFile(dir, ResultsFile, &r)
	if err == nil && !found {
		if _, serr := os.Stat(dir); serr != nil {
			return nil, fmt.Errorf("run directory %s: %w", dir, serr)
		}
		err = fmt.Errorf("%s has no %s: not an exoplay run directory, or the run has not written its results yet", dir, ResultsFile)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// DefuseCSV is the CSV-injection guard of WriteCSV, for other CSV writers
// (the report's action plan, the table view): cells that a spreadsheet
// would run as a formula get a leading quote.
func DefuseCSV(cell string) string { return defuseFormula(cell) }
