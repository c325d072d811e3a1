package index

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkSearchRealManuals measures query latency on the project's evaluation
// questions over a real index: the five Debian manuals (about 21,000 chunks) that
// scripts/retrieval_eval.sh DIR ingests into DIR. Real questions bring what the
// synthetic corpus of BenchmarkSearch has not: English words with related words, common
// words with long posting lists, long questions.
//
//	scripts/retrieval_eval.sh /tmp/mb && MANUALBOT_BENCH_INDEX=/tmp/mb/index \
//	  go test -run '^$' -bench SearchRealManuals -benchtime 5x ./index
//
// Skipped when MANUALBOT_BENCH_INDEX is not set. Target: p99 < 10 ms.
func BenchmarkSearchRealManuals(b *testing.B) {
	dir := os.Getenv("MANUALBOT_BENCH_INDEX")
	if dir == "" {
		b.Skip("set MANUALBOT_BENCH_INDEX to an index folder (see the doc comment)")
	}
	ctx := context.Background()
	s, err := OpenReadOnly(ctx, dir, quietLog())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var questions []string
	for _, set := range []string{"questions.jsonl", "httpd.jsonl"} {
		f, err := os.Open(filepath.Join("..", "testdata", "retrieval", set))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var q struct{ Question string }
			if json.Unmarshal(sc.Bytes(), &q) == nil && q.Question != "" {
				questions = append(questions, q.Question)
			}
		}
		f.Close()
	}
	for _, q := range questions { // first-search work (columns, caches) is not measured
		if _, err := s.Search(ctx, Query{Text: q, K: DefaultK, Fuzziness: 1}); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	cpu0 := cpuTime()
	for b.Loop() { // one op is every question once
		for _, q := range questions {
			t0 := time.Now()
			if _, err := s.Search(ctx, Query{Text: q, K: DefaultK, Fuzziness: 1}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
	}
	cpu := cpuTime() - cpu0
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "cpu-ms/search")
}
