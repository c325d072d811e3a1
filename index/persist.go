package index

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// persistPoll is how often persistAll looks for a failed write while it waits.
const persistPoll = 50 * time.Millisecond

// persistAll waits until every batch given to idx is on disk. An update's index takes
// batches without waiting for their segments to be written (unsafe_batch), so that
// writing one overlaps analysing the next; scorch's Close does not write what is still
// in memory. An empty batch is introduced after all the others and its persisted
// callback fires once the persister has written a snapshot holding everything before
// it. Scorch retries a failed write forever without calling the callback, so its error
// count is watched too: a failure (disk full, say) fails the commit instead of hanging.
func persistAll(ctx context.Context, idx bleve.Index) error {
	errCount := func() uint64 { return 0 }
	if adv, err := idx.Advanced(); err == nil {
		if sc, ok := adv.(*scorch.Scorch); ok {
			if st, ok := sc.Stats().(*scorch.Stats); ok {
				errCount = func() uint64 { return atomic.LoadUint64(&st.TotPersistLoopErr) }
			}
		}
	}
	before := errCount()
	done := make(chan error, 1)
	b := idx.NewBatch()
	b.SetPersistedCallback(func(err error) {
		select {
		case done <- err:
		default:
		}
	})
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("write segments: %w", err)
	}
	tick := time.NewTicker(persistPoll)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("write segments: %w", err)
			}
			return nil
		case <-tick.C:
			if errCount() != before {
				return errors.New("write segments: the index could not be written to disk (see the log)")
			}
		case <-ctx.Done():
			return fmt.Errorf("write segments: %w", ctx.Err())
		}
	}
}
