/**
 * The shared body of every long-running entrypoint: read the config (a bad setting exits with a
 * message naming the variable), make the root logger and the runtime, start the role, and on
 * SIGTERM/SIGINT close everything in order within SHUTDOWN_TIMEOUT_MS, then exit. Traces are
 * exported while OTEL_EXPORTER_OTLP_ENDPOINT is set (src/tracing/tracing.ts), flushed last.
 */
import { createRootLogger } from '../log.ts';
import { Runtime } from '../app/runtime.ts';
import { configOrExit } from './config-or-exit.ts';
import { startTracing } from '../tracing/tracing.ts';
import { markRunning } from '../backup/running-marker.ts';

export function runRole(role: string, start: (rt: Runtime) => Promise<void>): void {
  const config = configOrExit();
  const log = createRootLogger(config.log.level, role);
  const tracing = startTracing({ endpoint: config.observe.otlpEndpoint, serviceName: `docent-${role}` });
  const rt = new Runtime(config, log);
  // Added first, so closed last: the spans of the shutdown itself still go out.
  rt.closer.add('traces', () => tracing.shutdown());
  // `npm run restore` refuses to write into folders a live process uses (src/backup/running-marker.ts).
  const unmark = markRunning([config.paths.data, config.paths.vectorstore], role);
  rt.closer.add('running markers', unmark);
  if (tracing.enabled) log.info({ endpoint: config.observe.otlpEndpoint }, 'exporting traces over OTLP/HTTP');
  let stopping = false;

  const stop = (reason: string, code: number): void => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down');
    const hard = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long, exiting');
      process.exit(code || 1);
    }, config.shutdownTimeoutMs);
    hard.unref();
    rt.close().then(
      () => process.exit(code),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };

  process.once('SIGTERM', () => stop('SIGTERM', 0));
  process.once('SIGINT', () => stop('SIGINT', 0));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

  start(rt).then(
    () => log.info({ role }, 'ready'),
    (err: unknown) => {
      log.fatal({ err }, 'could not start');
      process.stderr.write(`docent ${role}: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
      stop('start failed', 1);
    },
  );
}
