package tokenizer

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// maxCachedWord bounds the words kept in the cache: long words (a whole SentencePiece
// text is one word) are rare repeats and would only grow memory.
const maxCachedWord = 256

// cacheCapacity bounds the per-tokenizer word cache; once full, new words are not added
// (Hugging Face's policy), so a long-running bot's memory stays flat.
const cacheCapacity = 50000

// bpe is the BPE model: a vocabulary and ranked merges, applied lowest rank first.
type bpe struct {
	vocab   map[string]int
	merges  map[uint64]uint64 // pair (left<<32|right) -> rank<<32|merged id
	unk     int               // -1 when the model has no unk token
	fuseUnk bool
	// byteFallback maps each byte to its "<0xXX>" token, used for runes not in vocab.
	byteFallback []int
	ignoreMerges bool
	prefix       string // continuing_subword_prefix
	suffix       string // end_of_word_suffix

	mu    sync.RWMutex
	cache map[string][]int
}

func pairKey(a, b int) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// newBPE builds the model; merges are pairs of token strings in rank order.
func newBPE(vocab map[string]int, merges [][2]string, unk string, fuseUnk, byteFallback, ignoreMerges bool, prefix, suffix string) (*bpe, error) {
	m := &bpe{
		vocab:        vocab,
		merges:       make(map[uint64]uint64, len(merges)),
		unk:          -1,
		fuseUnk:      fuseUnk,
		ignoreMerges: ignoreMerges,
		prefix:       prefix,
		suffix:       suffix,
		cache:        map[string][]int{},
	}
	if unk != "" {
		id, ok := vocab[unk]
		if !ok {
			return nil, fmt.Errorf("unk_token %q is not in the vocab", unk)
		}
		m.unk = id
	}
	for rank, mg := range merges {
		a, ok := vocab[mg[0]]
		if !ok {
			return nil, fmt.Errorf("merge %d: %q is not in the vocab", rank, mg[0])
		}
		b, ok := vocab[mg[1]]
		if !ok {
			return nil, fmt.Errorf("merge %d: %q is not in the vocab", rank, mg[1])
		}
		merged := mg[0] + strings.TrimPrefix(mg[1], prefix)
		id, ok := vocab[merged]
		if !ok {
			return nil, fmt.Errorf("merge %d: result %q is not in the vocab", rank, merged)
		}
		m.merges[pairKey(a, b)] = uint64(rank)<<32 | uint64(uint32(id))
	}
	if byteFallback {
		m.byteFallback = make([]int, 256)
		for b := range 256 {
			id, ok := vocab[fmt.Sprintf("<0x%02X>", b)]
			if !ok {
				// Hugging Face falls back to unk when a byte token is missing.
				m.byteFallback = nil
				break
			}
			m.byteFallback[b] = id
		}
	}
	return m, nil
}

// encodeWord appends the ids of one pre-tokenized word.
func (m *bpe) encodeWord(w string, out []int) []int {
	if w == "" {
		return out
	}
	if m.ignoreMerges {
		if id, ok := m.vocab[w]; ok {
			return append(out, id)
		}
	}
	cacheable := len(w) <= maxCachedWord
	if cacheable {
		m.mu.RLock()
		ids, ok := m.cache[w]
		m.mu.RUnlock()
		if ok {
			return append(out, ids...)
		}
	}
	start := len(out)
	out = m.merge(m.symbols(w), out)
	if cacheable {
		ids := append([]int(nil), out[start:]...)
		m.mu.Lock()
		if len(m.cache) < cacheCapacity {
			m.cache[w] = ids
		}
		m.mu.Unlock()
	}
	return out
}

// symbols splits a word into its initial ids: one per rune, byte tokens for runes not in
// the vocab when byte_fallback is on, else unk (fused when fuse_unk).
func (m *bpe) symbols(w string) []int32 {
	syms := make([]int32, 0, len(w))
	unkPending := false
	for i := 0; i < len(w); {
		_, n := utf8.DecodeRuneInString(w[i:])
		s := w[i : i+n]
		i += n
		if m.prefix != "" && i > n {
			s = m.prefix + s
		}
		if m.suffix != "" && i == len(w) {
			s += m.suffix
		}
		if id, ok := m.vocab[s]; ok {
			if unkPending {
				syms = append(syms, int32(m.unk))
				unkPending = false
			}
			syms = append(syms, int32(id))
			continue
		}
		if m.byteFallback != nil {
			for j := 0; j < len(s); j++ {
				syms = append(syms, int32(m.byteFallback[s[j]]))
			}
			continue
		}
		if m.unk < 0 {
			continue // no unk token: Hugging Face drops the rune
		}
		if unkPending && !m.fuseUnk {
			syms = append(syms, int32(m.unk))
		}
		unkPending = true
	}
	if unkPending {
		syms = append(syms, int32(m.unk))
	}
	return syms
}

// merge applies the merges to the symbols lowest rank first, leftmost first among equal
// ranks, using a min-heap of candidate pairs and a linked list of live symbols, and
// appends the result.
func (m *bpe) merge(ids []int32, out []int) []int {
	n := len(ids)
	if n == 0 {
		return out
	}
	if n == 1 {
		return append(out, int(ids[0]))
	}
	prev := make([]int32, n)
	next := make([]int32, n)
	alive := make([]bool, n)
	var h minHeap
	for i := range n {
		prev[i] = int32(i - 1)
		next[i] = int32(i + 1)
		alive[i] = true
		if i+1 < n {
			if v, ok := m.merges[pairKey(int(ids[i]), int(ids[i+1]))]; ok {
				h.push(v&^0xFFFFFFFF | uint64(i))
			}
		}
	}
	next[n-1] = -1
	for len(h) > 0 {
		top := h.pop()
		rank, pos := top>>32, int32(top&0xFFFFFFFF)
		if !alive[pos] || next[pos] < 0 {
			continue
		}
		q := next[pos]
		v, ok := m.merges[pairKey(int(ids[pos]), int(ids[q]))]
		if !ok || v>>32 != rank {
			continue // stale: a neighbour changed since this pair was queued
		}
		ids[pos] = int32(uint32(v))
		alive[q] = false
		next[pos] = next[q]
		if next[q] >= 0 {
			prev[next[q]] = pos
		}
		if p := prev[pos]; p >= 0 {
			if v, ok := m.merges[pairKey(int(ids[p]), int(ids[pos]))]; ok {
				h.push(v&^0xFFFFFFFF | uint64(p))
			}
		}
		if nx := next[pos]; nx >= 0 {
			if v, ok := m.merges[pairKey(int(ids[pos]), int(ids[nx]))]; ok {
				h.push(v&^0xFFFFFFFF | uint64(pos))
			}
		}
	}
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, int(ids[i]))
	}
	return out
}

// minHeap orders rank<<32|position keys, so the smallest rank, then leftmost, pops first.
type minHeap []uint64

func (h *minHeap) push(v uint64) {
	*h = append(*h, v)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p] <= a[i] {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *minHeap) pop() uint64 {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(a) {
			break
		}
		s := l
		if r := l + 1; r < len(a) && a[r] < a[l] {
			s = r
		}
		if a[i] <= a[s] {
			break
		}
		a[i], a[s] = a[s], a[i]
		i = s
	}
	*h = a
	return top
}
