/**
 * Catching an ingest worker in the middle of a document (tests/integration/scale-out.test.ts kills
 * it there). The test polls document statuses; on a machine fast enough to index every uploaded
 * document between two polls no document is ever seen `processing`, and a plain wait for one
 * would only time out. So: wait until a document is processing, or until every upload is done and
 * every document ready (or failed); in that case upload more (larger) documents and look again, a
 * bounded number of rounds, then fail saying what happened.
 */
import assert from 'node:assert/strict';
import { waitFor } from './wait.ts';

export interface IndexingWatch {
  /** The ids of the documents uploaded so far; grows while uploads run. */
  ids: readonly string[];
  /** True once every upload started so far has finished (ids then holds them all). */
  uploaded: () => boolean;
  /** A document's status (`queued`, `processing`, `ready`, `failed`, ...). */
  status: (id: string) => Promise<string>;
}

export interface CatchOptions {
  /** Uploads round `r` (1, 2, ...) of further documents, adding their ids to `watch.ids`. */
  more: (round: number) => Promise<void>;
  /** At most this many rounds of `more`. */
  rounds: number;
  /** Per round of waiting. */
  timeoutMs: number;
}

const settled = (s: string): boolean => s === 'ready' || s === 'failed';

/** Polls until a document is processing (its id), or undefined once all are uploaded and settled. */
export async function documentBeingIndexed(watch: IndexingWatch, timeoutMs: number): Promise<string | undefined> {
  let found: string | undefined;
  await waitFor('a document processing, or every document indexed', async () => {
    // Read "all uploaded" before the ids: a document uploaded in between is then still looked at.
    const all = watch.uploaded();
    const ids = [...watch.ids];
    if (ids.length === 0) return false;
    const statuses = await Promise.all(ids.map((id) => watch.status(id)));
    found = ids[statuses.indexOf('processing')];
    return found !== undefined || (all && statuses.every(settled));
  }, timeoutMs);
  return found;
}

/** The id of a document seen processing, uploading up to `rounds` rounds of `more` when none was. */
export async function catchIndexing(watch: IndexingWatch, opts: CatchOptions): Promise<string> {
  for (let round = 0; ; round++) {
    const id = await documentBeingIndexed(watch, opts.timeoutMs);
    if (id !== undefined) return id;
    assert.ok(
      round < opts.rounds,
      `no document was ever seen processing: all ${watch.ids.length} were indexed between two status polls, ` +
        `${opts.rounds} rounds of larger documents included; this machine indexes too fast for the test to catch it: make the documents larger`,
    );
    await opts.more(round + 1);
  }
}
