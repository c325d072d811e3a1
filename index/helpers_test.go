package index

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
)

func quietLog() Option { return WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))) }

// openTest opens a Store on a fresh folder and closes it with the test.
func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, quietLog())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// put writes chunks in one committed generation.
func put(t testing.TB, s *Store, chunks ...Chunk) {
	t.Helper()
	ctx := context.Background()
	u, err := s.Begin(ctx)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	defer u.Abort()
	if err := u.Put(ctx, chunks); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// mustSearch runs q and fails the test on error.
func mustSearch(t testing.TB, s *Store, q Query) []Hit {
	t.Helper()
	hits, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return hits
}

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// manual is a small corpus of two products' manuals.
func manual() []Chunk {
	mk := func(doc, product, version string, ord int, section []string, text string) Chunk {
		return Chunk{
			ID: fmt.Sprintf("%s#%d", doc, ord), DocID: doc, Title: doc + " guide",
			Section: section, Page: ord + 1, Product: product, Version: version,
			Source: "/manuals/" + doc + ".md", URL: "https://docs.example/" + doc, Ordinal: ord, Text: text,
		}
	}
	return []Chunk{
		mk("router", "acme-router", "2.0", 0, []string{"Installation", "Linux"},
			"To install the router software on Linux, download the package and run the installer as root. The installation takes about five minutes."),
		mk("router", "acme-router", "2.0", 1, []string{"Configuration"},
			"Edit the configuration file to set the admin password and the network interfaces. Restart the service after every change."),
		mk("router", "acme-router", "1.0", 2, []string{"Troubleshooting"},
			"If the status light blinks red, the firmware upgrade failed. Hold the reset button for ten seconds."),
		mk("switch", "acme-switch", "5.1", 0, []string{"Getting started"},
			"Unpack the switch, connect the power cable and wait until the status light turns green. No installation of software is needed."),
		mk("switch", "acme-switch", "5.1", 1, []string{"VLANs"},
			"A VLAN groups ports into one broadcast domain. Create a VLAN in the web console under Network, then assign ports to it."),
	}
}
