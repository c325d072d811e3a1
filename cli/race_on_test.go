//go:build race

package cli

// raceEnabled: the race detector slows ingest and the model about tenfold; tests that only
// measure ranking over thousands of chunks, or train and evaluate one step at a time, run in
// the plain pass and leave the race run to the concurrent paths (serve, swaps, bursts).
const raceEnabled = true
