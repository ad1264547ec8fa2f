/**
 * `npm run models:bench`: writes a GGUF with the layer shapes of the default chat model
 * (Llama-3.2-1B: 16 blocks, width 2048, 32 query / 8 key-value heads, feed-forward 8192, tied
 * embeddings) and random Q4_0 weights, with the tokenizer of the small test model. Hugging Face,
 * where the real default lives, is out of reach here, and the small test model is a poor stand-in
 * for speed: at 135M parameters its time goes to attention and per-token overheads, not to reading
 * weights, so batching questions barely helps it. This file costs what the real one costs per token
 * (within its smaller vocabulary) and answers nonsense: it is for `bench:answer` only
 * (`npm run bench:answer-1b-shape`), never for quality.
 *
 * Usage: `npm run models:bench [-- --out <file>]` (default: the test-model cache, written once);
 * `npm run bench:answer-1b-shape` writes it when missing.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { testModels, testModelsCacheDir } from '../tests/support/test-models.ts';

const SHAPE = { blocks: 16, width: 2048, heads: 32, kvHeads: 8, ffn: 8192, ropeBase: 500_000, contextLength: 131_072 };
const ALIGN = 32;
const GGUF_STRING = 8;
const GGUF_UINT32 = 4;
const GGUF_FLOAT32 = 6;
const GGML_F32 = 0;
const GGML_Q4_0 = 2;
/** Q4_0: 32 weights in 18 bytes (an f16 scale, then 16 bytes of 4-bit values). */
const Q4_0_BLOCK = { weights: 32, bytes: 18 };

/** Byte writer for the GGUF header (little-endian). */
class Bytes {
  private parts: Buffer[] = [];
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return this.push(b);
  }
  u64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return this.push(b);
  }
  f32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return this.push(b);
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.u64(b.length).push(b);
  }
  push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** The raw key-value entries of a GGUF file whose key starts with `prefix`, copied as they are. */
function copyKvs(file: string, prefix: string): { count: number; bytes: Buffer } {
  const data = fs.readFileSync(file);
  if (data.toString('ascii', 0, 4) !== 'GGUF') throw new Error(`${file} is not a GGUF file`);
  let at = 8;
  at += 8; // tensor count
  const kvCount = Number(data.readBigUInt64LE(at));
  at += 8;
  const readString = (): string => {
    const n = Number(data.readBigUInt64LE(at));
    const s = data.toString('utf8', at + 8, at + 8 + n);
    at += 8 + n;
    return s;
  };
  const fixed: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const skipValue = (type: number): void => {
    if (type === GGUF_STRING) readString();
    else if (type === 9) {
      const inner = data.readUInt32LE(at);
      const n = Number(data.readBigUInt64LE(at + 4));
      at += 12;
      if (fixed[inner] !== undefined) at += fixed[inner] * n;
      else for (let i = 0; i < n; i++) skipValue(inner);
    } else if (fixed[type] !== undefined) at += fixed[type];
    else throw new Error(`unknown GGUF value type ${type}`);
  };
  const kept: Buffer[] = [];
  for (let i = 0; i < kvCount; i++) {
    const start = at;
    const key = readString();
    const type = data.readUInt32LE(at);
    at += 4;
    skipValue(type);
    if (key.startsWith(prefix)) kept.push(data.subarray(start, at));
  }
  return { count: kept.length, bytes: Buffer.concat(kept) };
}

interface Tensor {
  name: string;
  /** ggml order: the row length first. */
  dims: number[];
  type: number;
}

function tensorBytes(t: Tensor): number {
  const n = t.dims.reduce((a, b) => a * b, 1);
  return t.type === GGML_F32 ? n * 4 : (n / Q4_0_BLOCK.weights) * Q4_0_BLOCK.bytes;
}

const padded = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

function tensors(vocab: number): Tensor[] {
  const { width: w, ffn, heads, kvHeads } = SHAPE;
  const kv = (w / heads) * kvHeads;
  const list: Tensor[] = [{ name: 'token_embd.weight', dims: [w, vocab], type: GGML_Q4_0 }];
  for (let b = 0; b < SHAPE.blocks; b++) {
    const q4 = (name: string, dims: number[]): Tensor => ({ name: `blk.${b}.${name}.weight`, dims, type: GGML_Q4_0 });
    list.push(
      { name: `blk.${b}.attn_norm.weight`, dims: [w], type: GGML_F32 },
      q4('attn_q', [w, w]),
      q4('attn_k', [w, kv]),
      q4('attn_v', [w, kv]),
      q4('attn_output', [w, w]),
      { name: `blk.${b}.ffn_norm.weight`, dims: [w], type: GGML_F32 },
      q4('ffn_gate', [w, ffn]),
      q4('ffn_up', [w, ffn]),
      q4('ffn_down', [ffn, w]),
    );
  }
  list.push({ name: 'output_norm.weight', dims: [w], type: GGML_F32 });
  return list;
}

/** Deterministic filler: sha256 in counter mode (repeatable files, no state to carry). */
function randomBlock(seed: string, i: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let at = 0, k = 0; at < size; at += 32, k++) createHash('sha256').update(`${seed}/${i}/${k}`).digest().copy(out, at);
  return out;
}

function tensorData(t: Tensor, index: number): Buffer {
  const size = tensorBytes(t);
  if (t.type === GGML_F32) {
    const b = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) b.writeFloatLE(1, i);
    return b;
  }
  // One random 64 KiB pattern per tensor, repeated: the weights' values do not change the cost.
  const pattern = randomBlock('docent-synthetic', index, 65_536 - (65_536 % Q4_0_BLOCK.bytes));
  const b = Buffer.alloc(size);
  for (let at = 0; at < size; at += pattern.length) pattern.copy(b, at, 0, Math.min(pattern.length, size - at));
  // Scales small enough that activations stay finite through 16 blocks (f16 0x1c00 = 0.0039).
  for (let at = 0; at < size; at += Q4_0_BLOCK.bytes) b.writeUInt16LE(0x1c00, at);
  return b;
}

export function writeSyntheticModel(out: string): void {
  const source = testModels().chat;
  const tokenizer = copyKvs(source, 'tokenizer.');
  const vocab = (() => {
    // The token list is the first array under tokenizer.ggml.tokens: its length is the vocabulary.
    const key = Buffer.from('tokenizer.ggml.tokens');
    const at = tokenizer.bytes.indexOf(key);
    return Number(tokenizer.bytes.readBigUInt64LE(at + key.length + 4 + 4));
  })();
  const list = tensors(vocab);
  const { width: w, heads, kvHeads } = SHAPE;
  const kv = new Bytes();
  let kvCount = 0;
  const put = (key: string, type: number, write: (b: Bytes) => void): void => {
    kv.str(key).u32(type);
    write(kv);
    kvCount++;
  };
  put('general.architecture', GGUF_STRING, (b) => b.str('llama'));
  put('general.name', GGUF_STRING, (b) => b.str('synthetic Llama-3.2-1B shape, random Q4_0 weights (benchmarks only)'));
  put('general.alignment', GGUF_UINT32, (b) => b.u32(ALIGN));
  put('llama.block_count', GGUF_UINT32, (b) => b.u32(SHAPE.blocks));
  put('llama.context_length', GGUF_UINT32, (b) => b.u32(SHAPE.contextLength));
  put('llama.embedding_length', GGUF_UINT32, (b) => b.u32(w));
  put('llama.feed_forward_length', GGUF_UINT32, (b) => b.u32(SHAPE.ffn));
  put('llama.attention.head_count', GGUF_UINT32, (b) => b.u32(heads));
  put('llama.attention.head_count_kv', GGUF_UINT32, (b) => b.u32(kvHeads));
  put('llama.rope.dimension_count', GGUF_UINT32, (b) => b.u32(w / heads));
  put('llama.rope.freq_base', GGUF_FLOAT32, (b) => b.f32(SHAPE.ropeBase));
  put('llama.attention.layer_norm_rms_epsilon', GGUF_FLOAT32, (b) => b.f32(1e-5));
  put('llama.vocab_size', GGUF_UINT32, (b) => b.u32(vocab));
  kv.push(tokenizer.bytes);
  kvCount += tokenizer.count;

  const header = new Bytes().push(Buffer.from('GGUF', 'ascii')).u32(3).u64(list.length).u64(kvCount).push(kv.buffer());
  let offset = 0;
  for (const t of list) {
    header.str(t.name).u32(t.dims.length);
    for (const d of t.dims) header.u64(d);
    header.u32(t.type).u64(offset);
    offset += padded(tensorBytes(t));
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.part`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const head = header.buffer();
    fs.writeSync(fd, head);
    fs.writeSync(fd, Buffer.alloc(padded(head.length) - head.length));
    for (const [i, t] of list.entries()) {
      const data = tensorData(t, i);
      fs.writeSync(fd, data);
      fs.writeSync(fd, Buffer.alloc(padded(data.length) - data.length));
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, out);
}

/** The synthetic model in the test-model cache, written first if it is not there. */
export function syntheticModel(): string {
  const out = path.join(testModelsCacheDir(), 'synthetic-llama-1b-shape-q4_0.gguf');
  if (!fs.existsSync(out)) writeSyntheticModel(out);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? process.argv[i + 1]! : syntheticModel();
  if (i > 0) writeSyntheticModel(out);
  process.stdout.write(`${out} (${(fs.statSync(out).size / 2 ** 20).toFixed(0)} MB)\n`);
}
