/**
 * "Docent is running on this folder" markers: every long-running process writes
 * `<dir>/.docent-running/<host>-<pid>` into its DATA_DIR and VECTORSTORE_DIR at start and removes it
 * on shutdown. `npm run restore` reads them and refuses to write under a live process. A marker left
 * by a killed process names a pid that no longer exists on this host and is ignored; a marker from
 * another host (a shared volume) cannot be checked from here and counts as live, with a message
 * saying which file to remove once that process is known to be stopped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const RUNNING_DIR = '.docent-running';

/** Writes the markers (synchronously: entrypoints call it before anything starts); returns their remover. */
export function markRunning(dirs: readonly string[], role: string): () => void {
  const name = `${os.hostname()}-${process.pid}`;
  const files: string[] = [];
  for (const dir of new Set(dirs)) {
    const runDir = path.join(dir, RUNNING_DIR);
    const file = path.join(runDir, name);
    try {
      fs.mkdirSync(runDir, { recursive: true });
      fs.writeFileSync(file, `${JSON.stringify({ role, host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString() })}\n`);
      files.push(file);
    } catch (err) {
      // A folder this process may only read (an answer worker's index mounted read-only) is one
      // it cannot harm either; the process starts without a marker there.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') throw err;
    }
  }
  return () => {
    for (const f of files) fs.rmSync(f, { force: true });
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Markers in `dir` of processes that are (or may be) running, as readable descriptions. */
export function liveMarkers(dir: string): string[] {
  const runDir = path.join(dir, RUNNING_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(runDir);
  } catch {
    return [];
  }
  const live: string[] = [];
  for (const name of names) {
    const m = /^(.+)-(\d+)$/.exec(name);
    if (!m) continue;
    const [, host, pid] = m;
    if (host === os.hostname()) {
      if (alive(Number(pid))) live.push(`process ${pid} (${path.join(runDir, name)})`);
    } else {
      live.push(`a process on host ${host} (${path.join(runDir, name)}; remove this file if that process is stopped)`);
    }
  }
  return live;
}
