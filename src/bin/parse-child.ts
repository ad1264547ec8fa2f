/** Entrypoint of a parse child process (forked by src/ingest/isolated-parser.ts, one per document). */
import { serveParseRequests } from '../ingest/parse-child.ts';

serveParseRequests();
