// Command gen writes the miniature skill-composition benchmark's data:
//
//	go run ./benchmarks/mini/cmd/gen -out DIR [-seed 1] [-gadgets 48] [-test 160] [-tune 16] [-qa 1600] [-closed-qa 160]
//
// The same flags always write the same bytes.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"manualbot/benchmarks/mini"
)

func main() {
	cfg := mini.DefaultConfig()
	out := flag.String("out", "", "folder to write the data into (required)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.IntVar(&cfg.Gadgets, "gadgets", cfg.Gadgets, "gadgets in the manual")
	flag.IntVar(&cfg.Test, "test", cfg.Test, "held-out test questions")
	flag.IntVar(&cfg.Tune, "tune", cfg.Tune, "tuning questions (for learning CAT weights)")
	flag.IntVar(&cfg.QA, "qa", cfg.QA, "open-book story QA examples")
	flag.IntVar(&cfg.ClosedQA, "closed-qa", cfg.ClosedQA, "closed-book common-knowledge QA examples")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -out DIR [-seed N] [sizes]")
		os.Exit(2)
	}
	b, err := mini.Generate(cfg)
	if err == nil {
		err = b.WriteDir(*out)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
	slog.Info("wrote benchmark", "dir", *out, "seed", cfg.Seed, "gadgets", len(b.Gadgets),
		"test", len(b.Test), "tune", len(b.Tune), "qa", len(b.QA), "domain", len(b.Domain))
}
