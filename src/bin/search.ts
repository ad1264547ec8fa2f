/** Entrypoint: `npm run search -- "question" [k]` against a running Docent. */
import { ServiceClient } from '../cli/service-client.ts';
import { configOrExit } from './config-or-exit.ts';

const { cli } = configOrExit();
const [query, k = '5'] = process.argv.slice(2);
if (!query) {
  process.stderr.write('usage: npm run search -- "your question" [k]\n');
  process.exit(2);
}
const { results } = await new ServiceClient(cli.serviceUrl, cli.token).search(query, Number(k));
for (const [i, r] of results.entries()) {
  const where = r.page === null ? r.documentName : `${r.documentName} p.${r.page}`;
  process.stdout.write(`${i + 1}. [${r.score.toFixed(3)}] ${where}\n   ${r.text.replace(/\s+/g, ' ').slice(0, 200)}\n`);
}
