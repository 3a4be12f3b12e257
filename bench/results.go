package main

import (
	"encoding/json"
	"fmt"
)

// resultsDoc is the part of results.json (printed by --format json) the
// harness reads.
type resultsDoc struct {
	Summary struct {
		Tenants         struct{ Total, Failed int } `json:"tenants"`
		Calls           int                         `json:"calls"`
		ThrottledWaits  int                         `json:"throttled_waits"`
		DurationSeconds float64                     `json:"duration_seconds"`
		ExitCode        int                         `json:"exit_code"`
	} `json:"summary"`
	Tenants []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Steps  []struct {
			ID       string  `json:"id"`
			Status   string  `json:"status"`
			Duration float64 `json:"duration_seconds"`
			Output   *struct {
				Objects int `json:"objects"`
			} `json:"output"`
			Items *struct{ Total, Failed int } `json:"items"`
		} `json:"steps"`
	} `json:"tenants"`
}

func parseResults(b []byte) (*resultsDoc, error) {
	var r resultsDoc
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("bench: stdout of exoplay run is not results.json: %v", err)
	}
	if len(r.Tenants) == 0 {
		return nil, fmt.Errorf("bench: results.json lists no tenant")
	}
	return &r, nil
}

// stepObjects sums a step's output objects over every tenant.
func (r *resultsDoc) stepObjects(id string) int {
	n := 0
	for _, t := range r.Tenants {
		for _, s := range t.Steps {
			if s.ID == id && s.Output != nil {
				n += s.Output.Objects
			}
		}
	}
	return n
}

// failed lists "tenant/step: status" for each step that did not end ok or changed.
func (r *resultsDoc) failed() []string {
	var out []string
	for _, t := range r.Tenants {
		for _, s := range t.Steps {
			if s.Status != "ok" && s.Status != "changed" {
				out = append(out, t.Name+"/"+s.ID+": "+s.Status)
			}
		}
	}
	return out
}
