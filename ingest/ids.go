package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// recipeVersion changes whenever readers or the chunker change what they make of the
// same bytes, so that the next ingest redoes every manual instead of keeping stale chunks.
const recipeVersion = "ingest-v7" // v7: GNU Info read; options in quotes ('-e') are terms; v6: HTML and Markdown lists and tables of links (indexes, contents, "See also") dropped; v5: HTML note/warning box titles are not sections; v4: heading permalinks (¶) dropped from sections; v3: one scored text per chunk

// docID is stable across runs: a short hash of product and path (so two files with the
// same relative path, one per product, stay apart) followed by the clean relative path
// people can read. It names a document once, when the file is first ingested: a file
// ingested again, under any product, keeps that id (see assignIDs).
func docID(product, rel string) string {
	h := sha256.Sum256([]byte(product + "\x00" + rel))
	return hex.EncodeToString(h[:4]) + ":" + rel
}

// relOf is the relative path a doc id ends with.
func relOf(id string) string {
	_, rel, _ := strings.Cut(id, ":")
	return rel
}

// assignIDs gives each file its doc id. A file is one document, whatever product it is
// ingested under: a file the manifest already holds (by absolute source) keeps the id it
// was first ingested under. So ingesting a manual on its own after its folder (or its
// folder after it, or from another working directory) updates that one document instead
// of indexing a second copy under a second relative path; and ingesting it with another
// --product relabels it in place (same doc id, and the same chunk ids while its text is
// unchanged) instead of indexing a second copy under the new product. That second copy
// is what an index written before relabelling holds: the manifest's other documents for
// the same file go into the file's stale list, for the run to remove.
//
// A file new to the index gets the id of the document with its product and relative
// path (a folder of manuals moved elsewhere updates its documents in place), else
// docID(product, rel), salted when a relabelled document already holds that id.
func assignIDs(files []candidate, prev *Manifest, product string) {
	bySource := map[string][]string{} // absolute source -> its doc ids, in order
	byName := map[[2]string]string{}  // product, relative path -> the first such doc id
	for _, id := range sortedKeys(prev.Docs) {
		d := prev.Docs[id]
		bySource[d.Source] = append(bySource[d.Source], id)
		if key := [2]string{d.Product, relOf(id)}; byName[key] == "" {
			byName[key] = id
		}
	}
	stale := map[string]bool{}
	var fresh []int
	for i := range files {
		f := &files[i]
		f.id, f.stale = "", nil
		ids := bySource[f.abs]
		if len(ids) == 0 {
			fresh = append(fresh, i)
			continue
		}
		f.id = ids[0]
		for _, id := range ids {
			if prev.Docs[id].Product == product {
				f.id = id // already under this product: nothing to relabel
				break
			}
		}
		for _, id := range ids {
			if id != f.id {
				f.stale = append(f.stale, id)
				stale[id] = true
			}
		}
	}
	for _, i := range fresh {
		f := &files[i]
		if id := byName[[2]string{product, f.rel}]; id != "" && !stale[id] {
			f.id = id
			continue
		}
		taken := func(id string) bool {
			_, ok := prev.Docs[id]
			return ok || stale[id]
		}
		f.id = docID(product, f.rel)
		for n := 2; taken(f.id); n++ {
			f.id = docID(fmt.Sprintf("%s\x00%d", product, n), f.rel)
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
