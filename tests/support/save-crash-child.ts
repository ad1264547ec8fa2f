/**
 * The writer process of the save-crash tests (tests/unit/retrieval-save-crash.test.ts): opens the
 * FAISS store in a directory (loading the version already there), adds documents and saves a new
 * version, so the test can SIGKILL a real process inside the real save.
 *
 *   save-crash-child.ts <dir> pause <step> <occurrence>  stops at the occurrence-th `step` of the
 *                                                         save (faiss-files.ts SaveStep), prints
 *                                                         "paused <step> <version>" and waits
 *   save-crash-child.ts <dir> race <documents>            no pause: saves a large index while the
 *                                                         test kills it as soon as the new version
 *                                                         directory appears
 * Prints "saved <version>" when the save completes.
 */
import type { SaveStep } from '../../src/retrieval/faiss-files.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { CRASH_MANIFEST, fillerDocument, NEW_DOC } from './save-crash-data.ts';

const [dir, mode, arg, occurrence] = process.argv.slice(2);
if (!dir || (mode !== 'pause' && mode !== 'race')) throw new Error('usage: save-crash-child.ts <dir> pause <step> <n> | race <documents>');

let seen = 0;
const store = await openFaissStore({
  dir,
  manifest: CRASH_MANIFEST,
  onSaveStep: async (step: SaveStep, version: string) => {
    if (mode !== 'pause' || step !== arg || ++seen !== Number(occurrence)) return;
    process.stdout.write(`paused ${step} ${version}\n`);
    // Held here until the test kills the process: the save never goes on.
    await new Promise<never>(() => setInterval(() => undefined, 60_000));
  },
});
await store.addDocument(NEW_DOC.chunks, NEW_DOC.vectors);
const documents = mode === 'race' ? Number(arg) : 3;
// Several documents of 1,000 chunks: more than one part of chunks.jsonl, memory stays bounded.
for (let d = 0; d < documents; d++) {
  const doc = fillerDocument(d, 1000);
  await store.addDocument(doc.chunks, doc.vectors);
}
process.stdout.write(`ready ${store.size}\n`);
const version = await store.save();
process.stdout.write(`saved ${version}\n`);
await store.close();
