package ingest

import (
	"context"
	"fmt"

	"manualbot/index"
)

// Indexing a batch (Bleve's analysis and segment building) is most of an ingest's time,
// and reading the next files is the rest: the applier puts each batch in the background
// while it gathers the next one from the workers, so both proceed at once. One Put at a
// time is in flight, so at most two batches are held; every other use of the update
// (deleting a document, committing, aborting) waits for it first.

// startPut puts chunks into upd on another goroutine; its result comes on the channel.
// chunks must not be changed until then.
func startPut(ctx context.Context, upd *index.Update, chunks []index.Chunk) chan error {
	done := make(chan error, 1)
	go func() {
		if err := upd.Put(ctx, chunks); err != nil {
			done <- fmt.Errorf("index %d chunks: %w", len(chunks), err)
			return
		}
		done <- nil
	}()
	return done
}

// wait waits for the Put in flight, if any, and returns its error.
func (a *applier) wait() error {
	if a.putting == nil {
		return nil
	}
	err := <-a.putting
	a.putting = nil
	return err
}

// deleteDoc removes a document's chunks from the update once the Put in flight is done.
func (a *applier) deleteDoc(ctx context.Context, docID string) error {
	if err := a.wait(); err != nil {
		return err
	}
	return a.upd.DeleteDoc(ctx, docID)
}
