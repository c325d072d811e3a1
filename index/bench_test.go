package index

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPut measures indexing throughput: Begin, Put of 2,000 chunks in batches and
// Commit (so the fsyncs and the publish are counted), on an index growing by 2,000
// chunks per round. Target: >= 2,000 chunks/s on 2 cores.
func BenchmarkPut(b *testing.B) {
	ctx := context.Background()
	const per = 2000
	chunks := newCorpus(1, 3000).chunks(per * 8)
	s := openTest(b, b.TempDir())
	round := 0
	start := time.Now()
	cpu0 := cpuTime()
	for b.Loop() {
		batch := chunks[(round%8)*per : (round%8+1)*per]
		round++
		u, err := s.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := u.Put(ctx, batch); err != nil {
			b.Fatal(err)
		}
		if err := u.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(round*per)/time.Since(start).Seconds(), "chunks/s")
	b.ReportMetric(float64(round*per)/(cpuTime()-cpu0).Seconds(), "chunks/cpu-s")
}

// bigIndex builds a 20,000-chunk index for the search benchmarks.
func bigIndex(b *testing.B, c *corpus) *Store {
	b.Helper()
	s := openTest(b, b.TempDir())
	put(b, s, c.chunks(20000)...)
	return s
}

// BenchmarkSearch measures query latency over 20,000 chunks with and without typo
// tolerance (the config's default is fuzziness 1). Target: p99 < 10 ms.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	c := newCorpus(2, 3000)
	s := bigIndex(b, c)
	queries := make([]string, 500)
	for i := range queries {
		queries[i] = c.query()
	}
	for _, tc := range []struct {
		name string
		q    Query
	}{
		{"fuzziness=0", Query{K: 5}},
		{"fuzziness=1", Query{K: 5, Fuzziness: 1}},
		{"fuzziness=1/product", Query{K: 5, Fuzziness: 1, Product: "product-2"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				q := tc.q
				q.Text = queries[i%len(queries)]
				i++
				t0 := time.Now()
				hits, err := s.Search(ctx, q)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if len(hits) == 0 {
					b.Fatalf("no hits for %q", q.Text)
				}
			}
			cpu := cpuTime() - cpu0
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			// CPU per search (the process's, GC included) does not grow with the load
			// other programs put on the machine, as latency does.
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "cpu-ms/op")
		})
	}
}

// BenchmarkBegin measures the cost of starting an update on a 20,000-chunk index: the
// live generation is copied (not hard-linked), and this says what that costs.
func BenchmarkBegin(b *testing.B) {
	ctx := context.Background()
	s := bigIndex(b, newCorpus(3, 3000))
	var size int64
	_ = filepath.Walk(s.Dir(), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			size += fi.Size()
		}
		return nil
	})
	for b.Loop() {
		u, err := s.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := u.Abort(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/(1<<20), "index-MiB")
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
