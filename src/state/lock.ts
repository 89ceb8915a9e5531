import { link, open, readFile, unlink, mkdir, stat } from "../fs-lite.js";
import { dirname } from "node:path";

/**
 * The run lock: a file created exclusively on tmpfs (beside the events directory,
 * never in the state directory: a no-op run writes nothing to an SD card). It holds
 * the owner's pid; a lock whose owner is dead (a run killed with SIGKILL) is taken over.
 */
export interface Lock {
  release(): Promise<void>;
}

export type LockResult = { kind: "acquired"; lock: Lock } | { kind: "held"; pid: number };

export async function acquireLock(path: string, pid: number, now: number): Promise<LockResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // The pid is written first and the lock appears whole (link is atomic and fails
      // on EEXIST): a run killed here never leaves an empty lock that others must
      // wait out.
      const tmp = `${path}.${pid}.tmp`;
      const fh = await open(tmp, "w", 0o644);
      try {
        await fh.writeFile(`${pid}\n`);
      } finally {
        await fh.close();
      }
      try {
        await link(tmp, path);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      return {
        kind: "acquired",
        lock: {
          async release() {
            await unlink(path).catch(() => undefined);
          },
        },
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        continue;
      }
      if (code !== "EEXIST") throw e;
    }
    const before = await stat(path).catch(() => undefined);
    if (before === undefined) continue;
    const owner = await readOwner(path);
    if (owner === undefined) {
      // Created but its pid not written yet: a run that is starting now.
      if (now - before.mtimeMs < 5000) return { kind: "held", pid: 0 };
    } else if (owner !== pid && alive(owner)) {
      return { kind: "held", pid: owner };
    }
    // Stale: its owner is gone (killed). Remove it only if it is still the file we
    // judged, so that a lock another run just took over is not removed under it.
    const again = await stat(path).catch(() => undefined);
    if (again !== undefined && again.ino === before.ino) await unlink(path).catch(() => undefined);
  }
  const owner = await readOwner(path);
  return { kind: "held", pid: owner ?? 0 };
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await readFile(path, "utf8")).trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
