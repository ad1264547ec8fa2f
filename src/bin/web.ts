/** Entrypoint: the web process (HTTP API and pages). */
import { startWeb } from '../app/roles/web.ts';
import { runRole } from './run-role.ts';

runRole('web', async (rt) => {
  await startWeb(rt);
});
