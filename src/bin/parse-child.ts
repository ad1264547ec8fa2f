/** Entrypoint of a parse child process (forked by src/ingest/isolated-parser.ts, one per document). */
import { serveParseRequests } from '../ingest/parse-child.ts';

// tsx turns source maps on; with them, Node keeps pdf.js's large bundles and their maps in memory:
// an idle warmed PDF child then holds about 525 MB of RSS instead of about 225 MB. A child's stack
// traces are never shown (its errors become a document's reason), so it does without them.
process.setSourceMapsEnabled(false);
serveParseRequests();
