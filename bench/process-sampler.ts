/**
 * Peak resident memory of a process and of every process below it (its parse children), sampled
 * from /proc every few milliseconds (Linux). A window (`mark`/`take`) gives the peaks seen since the
 * mark and which child processes were alive, so each hostile input is measured on its own.
 */
import fs from 'node:fs';

interface Peaks {
  /** Highest RSS of the root process (MB). */
  rootMb: number;
  /** Highest RSS of any single descendant (MB). */
  childMb: number;
  /** Distinct descendant pids seen. */
  children: Set<number>;
}

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of stat is the parent pid; the command name (field 2) may hold spaces, so split after ")".
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [pid, pp] of parent) {
      if (pp !== p) continue;
      out.push(pid);
      walk(pid);
    }
  };
  walk(root);
  return out;
}

export class ProcessSampler {
  private peaks: Peaks = { rootMb: 0, childMb: 0, children: new Set() };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly root: number,
    intervalMs = 20,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    this.peaks.rootMb = Math.max(this.peaks.rootMb, rssMb(this.root) ?? 0);
    for (const pid of descendants(this.root)) {
      this.peaks.children.add(pid);
      this.peaks.childMb = Math.max(this.peaks.childMb, rssMb(pid) ?? 0);
    }
  }

  /** Starts a new window (the current process sizes count as its first sample). */
  mark(): void {
    this.peaks = { rootMb: 0, childMb: 0, children: new Set() };
    this.sample();
  }

  /** The peaks since the last mark. */
  take(): { rootMb: number; childMb: number; childPids: number[] } {
    this.sample();
    return { rootMb: Math.round(this.peaks.rootMb), childMb: Math.round(this.peaks.childMb), childPids: [...this.peaks.children] };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
