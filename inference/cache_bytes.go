package inference

// cacheRowBytes is the size of one position's keys and values over every layer: the
// caches are f32 whatever the weights' dtype.
func (c Config) cacheRowBytes() int64 {
	return int64(2 * c.NumLayers * c.NumKVHeads * c.HeadDim * 4)
}

// reportCacheBytes tells Options.OnCacheBytes the KV cache bytes the admitted requests
// hold (each its whole capacity, allocated at its first prefill chunk), when that changed;
// called by admit, under s.mu.
func (s *scheduler) reportCacheBytes(active []*request) {
	if s.onCacheBytes == nil {
		return
	}
	var n int64
	for _, r := range active {
		if !r.isFinished() {
			n += int64(r.capacity) * s.m.cfg.cacheRowBytes()
		}
	}
	if n != s.cacheBytes {
		s.cacheBytes = n
		s.onCacheBytes(n)
	}
}
