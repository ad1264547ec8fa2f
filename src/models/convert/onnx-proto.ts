/**
 * A minimal ONNX (protobuf) writer: just the messages a converted encoder needs (ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto with raw_data, ValueInfoProto), encoded by hand
 * so the model conversion needs no protobuf or onnx package. Field numbers are those of onnx.proto3.
 */

type Field = Uint8Array;

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const fInt = (no: number, v: number | bigint): Field => Uint8Array.from([...varint((no << 3) | 0), ...varint(v)]);
const fBytes = (no: number, b: Uint8Array): Field => concat([Uint8Array.from([...varint((no << 3) | 2), ...varint(b.length)]), b]);
const fStr = (no: number, s: string): Field => fBytes(no, new TextEncoder().encode(s));
const fFloat = (no: number, v: number): Field => {
  const b = new Uint8Array(5);
  b[0] = (no << 3) | 5;
  new DataView(b.buffer).setFloat32(1, v, true);
  return b;
};
const msg = (fields: Field[]): Uint8Array => concat(fields);

/** ONNX TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, UINT8: 2, INT64: 7 } as const;

export interface Tensor {
  name: string;
  dataType: number;
  dims: number[];
  raw: Uint8Array;
}

export type Attr = { name: string; i: number } | { name: string; f: number } | { name: string; s: string } | { name: string; ints: number[] } | { name: string; t: Tensor };

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
  domain?: string;
}

export interface ValueInfo {
  name: string;
  elemType: number;
  /** A number is a fixed size, a string a symbolic one ("batch"). */
  shape: (number | string)[];
}

function tensor(t: Tensor): Uint8Array {
  return msg([...t.dims.map((d) => fInt(1, d)), fInt(2, t.dataType), fStr(8, t.name), fBytes(9, t.raw)]);
}

function attribute(a: Attr): Uint8Array {
  // AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, INTS 7.
  if ('i' in a) return msg([fStr(1, a.name), fInt(3, a.i), fInt(20, 2)]);
  if ('f' in a) return msg([fStr(1, a.name), fFloat(2, a.f), fInt(20, 1)]);
  if ('s' in a) return msg([fStr(1, a.name), fStr(4, a.s), fInt(20, 3)]);
  if ('ints' in a) return msg([fStr(1, a.name), ...a.ints.map((v) => fInt(8, v)), fInt(20, 7)]);
  return msg([fStr(1, a.name), fBytes(5, tensor(a.t)), fInt(20, 4)]);
}

function node(n: Node, index: number): Uint8Array {
  return msg([
    ...n.inputs.map((s) => fStr(1, s)),
    ...n.outputs.map((s) => fStr(2, s)),
    fStr(3, `${n.op}_${index}`),
    fStr(4, n.op),
    ...(n.attrs ?? []).map((a) => fBytes(5, attribute(a))),
    ...(n.domain ? [fStr(7, n.domain)] : []),
  ]);
}

function valueInfo(v: ValueInfo): Uint8Array {
  const dims = v.shape.map((d) => fBytes(1, typeof d === 'number' ? fInt(1, d) : fStr(2, d)));
  const tensorType = msg([fInt(1, v.elemType), fBytes(2, msg(dims))]);
  return msg([fStr(1, v.name), fBytes(2, fBytes(1, tensorType))]);
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** Operator sets: domain ('' for the default) and version. */
  opsets: { domain: string; version: number }[];
  producer: string;
}

/** Serialises a whole model (IR version 8). */
export function encodeModel(g: Graph): Uint8Array {
  const graph = msg([
    ...g.nodes.map((n, i) => fBytes(1, node(n, i))),
    fStr(2, g.name),
    ...g.initializers.map((t) => fBytes(5, tensor(t))),
    ...g.inputs.map((v) => fBytes(11, valueInfo(v))),
    ...g.outputs.map((v) => fBytes(12, valueInfo(v))),
  ]);
  return msg([
    fInt(1, 8),
    fStr(2, g.producer),
    fBytes(7, graph),
    ...g.opsets.map((o) => fBytes(8, msg([fStr(1, o.domain), fInt(2, o.version)]))),
  ]);
}
