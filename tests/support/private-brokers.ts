/**
 * Private brokers for tests that stop and restart a broker: a second RabbitMQ node and a second
 * Kafka broker on their own ports and state dirs (scripts/brokers/*.sh with the private-node
 * settings), so the shared brokers on 5672/9092 are never disturbed.
 *
 * Every private broker lives in its own directory under BASE with an `owner.json` naming the test
 * process that started it and the settings needed to stop it. `cleanupLeftovers()` (called on every
 * start) stops and removes the brokers of test processes that are gone, e.g. after a crash or a
 * SIGKILL that skipped `after`. Ports come from 20000-29999: outside Linux's ephemeral range, so a
 * client's outgoing connection cannot take a port while its broker is down for a restart.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './processes.ts';

const run = promisify(execFile);
const BASE = path.join(os.tmpdir(), 'docent-private-brokers');
/** Ports of the shared brokers and their management/distribution listeners: never handed out. */
const RESERVED = new Set([5672, 15672, 25672, 4369, 9092, 9093]);

type Kind = 'rabbitmq' | 'kafka';

interface Owner {
  kind: Kind;
  ownerPid: number;
  env: Record<string, string>;
}

export interface PrivateBroker {
  /** AMQP URL (RabbitMQ) or host:port (Kafka) clients use. */
  readonly address: string;
  readonly dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** stop + start; resolves once the broker serves again. Returns how long it was down (ms). */
  restart(pauseMs?: number): Promise<number>;
  /** Stops the broker and removes its state dir. Idempotent; never throws. */
  dispose(): Promise<void>;
}

async function script(kind: Kind, cmd: string, env: Record<string, string>, timeoutMs = 180_000): Promise<string> {
  try {
    const { stdout, stderr } = await run('bash', [path.join(ROOT, 'scripts/brokers', `${kind}.sh`), cmd], {
      env: { ...process.env, ...env },
      timeout: timeoutMs,
      maxBuffer: 4 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${kind}.sh ${cmd} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops and removes private brokers whose test process is gone. */
export async function cleanupLeftovers(): Promise<void> {
  if (!fs.existsSync(BASE)) return;
  for (const name of fs.readdirSync(BASE)) {
    const dir = path.join(BASE, name);
    let owner: Owner;
    try {
      owner = JSON.parse(fs.readFileSync(path.join(dir, 'owner.json'), 'utf8')) as Owner;
    } catch {
      continue; // being created right now, or not ours
    }
    if (alive(owner.ownerPid)) continue;
    await script(owner.kind, 'stop', owner.env, 90_000).catch((err: unknown) => console.error(`# leftover ${name}: ${String(err)}`));
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`# removed leftover private ${owner.kind} ${name} of dead test process ${owner.ownerPid}`);
  }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports in 20000-29999, none of them a shared broker's. */
async function freePorts(count: number): Promise<number[]> {
  for (let tries = 0; tries < 200; tries++) {
    const first = 20_000 + Math.floor(Math.random() * (10_000 - count));
    const ports = Array.from({ length: count }, (_, i) => first + i);
    if (ports.some((p) => RESERVED.has(p))) continue;
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return ports;
  }
  throw new Error('no free port range for a private broker');
}

async function create(kind: Kind, env: (dir: string, ports: number[], id: string) => Record<string, string>, address: (ports: number[]) => string): Promise<PrivateBroker> {
  await cleanupLeftovers();
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const dir = path.join(BASE, `${kind}-${id}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(BASE, 0o755);
  const ports = await freePorts(2);
  const vars = env(dir, ports, id);
  fs.writeFileSync(path.join(dir, 'owner.json'), JSON.stringify({ kind, ownerPid: process.pid, env: vars } satisfies Owner));
  let disposed: Promise<void> | undefined;
  const broker: PrivateBroker = {
    address: address(ports),
    dir,
    start: async () => void (await script(kind, 'start', vars)),
    stop: async () => void (await script(kind, 'stop', vars)),
    async restart(pauseMs = 0) {
      const t0 = Date.now();
      await broker.stop();
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      await broker.start();
      return Date.now() - t0;
    },
    dispose() {
      disposed ??= (async () => {
        await script(kind, 'stop', vars, 90_000).catch((err: unknown) => console.error(`# stopping private ${kind}: ${String(err)}`));
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      return disposed;
    },
  };
  try {
    await broker.start();
  } catch (err) {
    await broker.dispose();
    throw err;
  }
  return broker;
}

/**
 * A private RabbitMQ node `docent-test-<pid>-<rand>@localhost` (Debian's rabbitmq-server, no
 * plugins, loopback only), guest/guest on its own AMQP port. Its data lives in its state dir, so
 * durable queues and persistent messages survive `restart()` as on a real broker restart.
 */
export function startPrivateRabbit(): Promise<PrivateBroker> {
  return create(
    'rabbitmq',
    (dir, [amqpPort, distPort], id) => ({
      RABBITMQ_NODENAME: `docent-test-${id}@localhost`,
      RABBITMQ_NODE_PORT: String(amqpPort),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_STATE_DIR: path.join(dir, 'state'),
      RABBITMQ_START_TIMEOUT: '90',
    }),
    ([amqpPort]) => `amqp://guest:guest@127.0.0.1:${amqpPort}`,
  );
}

/** A private single-node Kafka (KRaft) with its own listeners, node id, cluster id and data. */
export function startPrivateKafka(): Promise<PrivateBroker> {
  return create(
    'kafka',
    (dir, [port, controllerPort]) => ({
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_STATE_DIR: path.join(dir, 'state'),
      KAFKA_NODE_ID: '2',
      KAFKA_HEAP: '256m',
      KAFKA_START_TIMEOUT: '120',
    }),
    ([port]) => `127.0.0.1:${port}`,
  );
}
