/** Entrypoint: the ingest worker (parse, chunk, embed, index), single active consumer of ingest.jobs. */
import { startIngestWorker } from '../app/roles/ingest-worker.ts';
import { runRole } from './run-role.ts';

runRole('ingest-worker', startIngestWorker);
