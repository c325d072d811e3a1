//go:build race

package cli

// raceEnabled: the race detector slows ingest about tenfold; tests that only measure
// ranking over thousands of chunks leave the race run to the concurrent paths.
const raceEnabled = true
