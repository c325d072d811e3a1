package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// recipeVersion changes whenever readers or the chunker change what they make of the
// same bytes, so that the next ingest redoes every manual instead of keeping stale chunks.
const recipeVersion = "ingest-v1"

// docID is stable across runs: a short hash of product and path (so the same relative
// path in two products stays apart) followed by the clean relative path people can read.
func docID(product, rel string) string {
	h := sha256.Sum256([]byte(product + "\x00" + rel))
	return hex.EncodeToString(h[:4]) + ":" + rel
}

// assignIDs gives each file its doc id. A file the manifest already holds for the same
// product keeps the id it was first ingested under, so ingesting a manual on its own
// after its folder (or its folder after it, or from another working directory) updates
// that one document instead of indexing a second copy under a second relative path.
func assignIDs(files []candidate, prev *Manifest, product string) {
	known := map[string]string{} // absolute source -> doc id; ids in order, first wins
	for _, id := range sortedKeys(prev.Docs) {
		if d := prev.Docs[id]; d.Product == product {
			if _, ok := known[d.Source]; !ok {
				known[d.Source] = id
			}
		}
	}
	for i := range files {
		if id, ok := known[files[i].abs]; ok {
			files[i].id = id
		} else {
			files[i].id = docID(product, files[i].rel)
		}
	}
}

// chunkID is stable while the chunk's text and position do not change: re-ingesting an
// edited manual keeps the ids of the chunks it did not touch before the edit.
func chunkID(docID string, ordinal int, text string) string {
	h := sha256.Sum256([]byte(text))
	return fmt.Sprintf("%s#%d-%s", docID, ordinal, hex.EncodeToString(h[:4]))
}

// contentHash covers the file's bytes and everything else that shapes its chunks (labels,
// chunk sizes, reader version): a change in any of them re-ingests the manual.
func contentHash(data []byte, product, version string, opt ChunkOptions) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%d\x00", recipeVersion, product, version, opt.Size, opt.Overlap)
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}
