/**
 * Builds an ONNX BERT encoder from an E5S1 model (./e5s1-format.ts) with the 4-bit weights kept as
 * they are: the linear layers become onnxruntime's MatMulNBits (com.microsoft; 4 bits, blocks of
 * 32, one fp32 scale a block, default zero point 8, which is Q4_0's (q - 8) * scale exactly), and
 * the word embeddings stay packed: gathered per token, unpacked with BitwiseAnd/BitShift and scaled.
 * Inputs input_ids and attention_mask [batch, tokens] (int64); output last_hidden_state
 * [batch, tokens, hidden] (Docent pools it, see src/llm/pooling.ts). Positions count from 0, as
 * multilingual-e5-small (a BertModel) does.
 */
import { splitQ4Blocks, type E5s1Model, type E5s1Tensor } from './e5s1-format.ts';
import { DT, encodeModel, type Node, type Tensor } from './onnx-proto.ts';

const bytesOf = (a: Float32Array | BigInt64Array | Uint8Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const f32 = (name: string, dims: number[], data: Float32Array): Tensor => ({ name, dataType: DT.FLOAT, dims, raw: bytesOf(data) });
const i64 = (name: string, values: number[]): Tensor => ({ name, dataType: DT.INT64, dims: [values.length], raw: bytesOf(BigInt64Array.from(values.map(BigInt))) });

function fp32Of(t: E5s1Tensor | undefined, name: string): Float32Array {
  if (!t || t.dtype !== 0) throw new Error(`E5S1: fp32 tensor ${name} missing`);
  return new Float32Array(t.bytes.slice().buffer, 0, t.count);
}

/** Q4_0 block bytes (byte j: weight j low, j+16 high) to MatMulNBits order (byte i: weight 2i low, 2i+1 high). */
export function q4BlockToNBits(packed: Uint8Array): Uint8Array {
  const out = new Uint8Array(packed.length);
  const w = new Uint8Array(32);
  for (let b = 0; b < packed.length; b += 16) {
    for (let j = 0; j < 16; j++) {
      w[j] = packed[b + j]! & 0x0f;
      w[j + 16] = packed[b + j]! >> 4;
    }
    for (let i = 0; i < 16; i++) out[b + i] = w[2 * i]! | (w[2 * i + 1]! << 4);
  }
  return out;
}

export function e5s1ToOnnx(m: E5s1Model): Uint8Array {
  const { hidden: H, heads: NH, ffn: FF, layers: NL, vocabRows: V, eps } = m.header;
  const hd = H / NH;
  const nodes: Node[] = [];
  const inits: Tensor[] = [];
  const t = (name: string) => m.tensors.get(name);
  let seq = 0;
  const tmp = (hint: string) => `${hint}_${seq++}`;
  const op = (opType: string, inputs: string[], attrs: Node['attrs'] = [], domain?: string): string => {
    const out = tmp(opType.toLowerCase());
    nodes.push({ op: opType, inputs, outputs: [out], attrs, ...(domain ? { domain } : {}) });
    return out;
  };
  const vec = (name: string): string => {
    inits.push(f32(name, [H], fp32Of(t(name), name)));
    return name;
  };
  const linear = (x: string, name: string, nout: number, nin: number): string => {
    const { scales, packed } = splitQ4Blocks(t(`${name}.w`) ?? missing(`${name}.w`));
    inits.push({ name: `${name}.w`, dataType: DT.UINT8, dims: [nout, nin / 32, 16], raw: q4BlockToNBits(packed) });
    inits.push(f32(`${name}.s`, [nout * (nin / 32)], scales));
    inits.push(f32(`${name}.b`, [nout], fp32Of(t(`${name}.b`), `${name}.b`)));
    const y = op('MatMulNBits', [x, `${name}.w`, `${name}.s`], [{ name: 'K', i: nin }, { name: 'N', i: nout }, { name: 'bits', i: 4 }, { name: 'block_size', i: 32 }], 'com.microsoft');
    return op('Add', [y, `${name}.b`]);
  };
  const layerNorm = (x: string, w: string, b: string) => op('LayerNormalization', [x, vec(w), vec(b)], [{ name: 'axis', i: -1 }, { name: 'epsilon', f: eps }]);

  inits.push(i64('c.heads', [0, 0, NH, hd]), i64('c.hidden', [0, 0, H]), i64('c.axes12', [1, 2]));
  inits.push({ name: 'c.15', dataType: DT.UINT8, dims: [], raw: Uint8Array.of(15) }, { name: 'c.4', dataType: DT.UINT8, dims: [], raw: Uint8Array.of(4) });
  inits.push(f32('c.8', [], Float32Array.of(8)), f32('c.one', [], Float32Array.of(1)), f32('c.neg', [], Float32Array.of(-1e4)));
  inits.push(f32('c.scale', [], Float32Array.of(1 / Math.sqrt(hd))), f32('c.half', [], Float32Array.of(0.5)), f32('c.rsqrt2', [], Float32Array.of(Math.SQRT1_2)));
  inits.push(i64('c.zero', [0]), i64('c.step', [1]));

  // Word embeddings: gather packed rows and their scales, unpack the nibbles, (q - 8) * scale.
  const word = splitQ4Blocks(t('emb.word') ?? missing('emb.word'));
  inits.push({ name: 'emb.word.q', dataType: DT.UINT8, dims: [V, H / 32, 16], raw: word.packed });
  inits.push(f32('emb.word.s', [V, H / 32, 1], word.scales));
  const q = op('Gather', ['emb.word.q', 'input_ids']);
  const nib = op('Concat', [op('BitwiseAnd', [q, 'c.15']), op('BitShift', [q, 'c.4'], [{ name: 'direction', s: 'RIGHT' }])], [{ name: 'axis', i: -1 }]);
  const wordEmb = op('Reshape', [op('Mul', [op('Sub', [op('Cast', [nib], [{ name: 'to', i: DT.FLOAT }]), 'c.8']), op('Gather', ['emb.word.s', 'input_ids'])]), 'c.hidden']);
  // Positions 0..tokens-1, and token type 0 for every token.
  inits.push(f32('emb.pos', [m.header.maxPositions, H], fp32Of(t('emb.pos'), 'emb.pos')));
  inits.push(f32('emb.type0', [H], fp32Of(t('emb.type'), 'emb.type').slice(0, H)));
  const tokens = op('Squeeze', [op('Gather', [op('Shape', ['input_ids']), 'c.step']), 'c.zero']);
  const positions = op('Range', ['c.zero_s', tokens, 'c.step_s']);
  inits.push({ name: 'c.zero_s', dataType: DT.INT64, dims: [], raw: bytesOf(BigInt64Array.of(0n)) }, { name: 'c.step_s', dataType: DT.INT64, dims: [], raw: bytesOf(BigInt64Array.of(1n)) });
  let x = layerNorm(op('Add', [op('Add', [wordEmb, op('Gather', ['emb.pos', positions])]), 'emb.type0']), 'emb.ln.w', 'emb.ln.b');

  // Additive attention mask [batch, 1, 1, tokens]: 0 where attended, -1e4 on padding.
  const maskF = op('Cast', ['attention_mask'], [{ name: 'to', i: DT.FLOAT }]);
  const maskBias = op('Unsqueeze', [op('Mul', [op('Sub', ['c.one', maskF]), 'c.neg']), 'c.axes12']);
  const splitHeads = (y: string) => op('Transpose', [op('Reshape', [y, 'c.heads'])], [{ name: 'perm', ints: [0, 2, 1, 3] }]);
  for (let l = 0; l < NL; l++) {
    const p = `l${l}`;
    const qh = splitHeads(linear(x, `${p}.q`, H, H));
    const kT = op('Transpose', [op('Reshape', [linear(x, `${p}.k`, H, H), 'c.heads'])], [{ name: 'perm', ints: [0, 2, 3, 1] }]);
    const vh = splitHeads(linear(x, `${p}.v`, H, H));
    const scores = op('Add', [op('Mul', [op('MatMul', [qh, kT]), 'c.scale']), maskBias]);
    const probs = op('Softmax', [scores], [{ name: 'axis', i: -1 }]);
    const ctx = op('Reshape', [op('Transpose', [op('MatMul', [probs, vh])], [{ name: 'perm', ints: [0, 2, 1, 3] }]), 'c.hidden']);
    x = layerNorm(op('Add', [x, linear(ctx, `${p}.ao`, H, H)]), `${p}.aln.w`, `${p}.aln.b`);
    const mid = linear(x, `${p}.fi`, FF, H);
    const gelu = op('Mul', [op('Mul', [mid, 'c.half']), op('Add', [op('Erf', [op('Mul', [mid, 'c.rsqrt2'])]), 'c.one'])]);
    x = layerNorm(op('Add', [x, linear(gelu, `${p}.fo`, H, FF)]), `${p}.oln.w`, `${p}.oln.b`);
  }
  nodes.push({ op: 'Identity', inputs: [x], outputs: ['last_hidden_state'] });
  return encodeModel({
    name: 'multilingual-e5-small-q4',
    producer: 'docent e5s1-to-onnx',
    nodes,
    initializers: inits,
    inputs: [
      { name: 'input_ids', elemType: DT.INT64, shape: ['batch', 'tokens'] },
      { name: 'attention_mask', elemType: DT.INT64, shape: ['batch', 'tokens'] },
    ],
    outputs: [{ name: 'last_hidden_state', elemType: DT.FLOAT, shape: ['batch', 'tokens', H] }],
    opsets: [
      { domain: '', version: 18 },
      { domain: 'com.microsoft', version: 1 },
    ],
  });
}

function missing(name: string): never {
  throw new Error(`E5S1: tensor ${name} missing`);
}
