/**
 * Entrypoint: every role in one process (`npm start`). Without AMQP_URL / KAFKA_BROKERS the roles
 * talk through the in-process bus and event log; they share one loaded model and one index.
 */
import { startAnalytics } from '../app/roles/analytics.ts';
import { startAnswerWorker } from '../app/roles/answer-worker.ts';
import { startIngestWorker } from '../app/roles/ingest-worker.ts';
import { startWeb } from '../app/roles/web.ts';
import { ensureModels } from '../app/ensure-models.ts';
import { runRole } from './run-role.ts';

runRole('all-in-one', async (rt) => {
  await ensureModels(rt.config, rt.logger);
  await startAnalytics(rt, { serveHttp: false });
  await startIngestWorker(rt);
  await startAnswerWorker(rt);
  const { port } = await startWeb(rt);
  rt.logger.info({ url: `http://${rt.config.web.host}:${port}` }, 'Docent is ready: open this address in a browser');
});
