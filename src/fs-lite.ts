/**
 * The few file operations ddns uses, with fs/promises' names and shapes (so a file
 * switches by its import line), done with node:fs's *synchronous* calls.
 *
 * Why not node:fs/promises: loading that module alone costs a run ~7.5 M
 * instructions (callgrind), more than a no-op run's own work. Why not the callback
 * API either: each call would hop through libuv's thread pool (four threads started
 * for a handful of small files). A one-shot process has nothing else on its event
 * loop to block, and every file here is small and local (config, secrets, state,
 * events and the lock on tmpfs), so the "non-blocking" rule of the user's contract
 * has nothing to protect here (PERFORMANCE.md).
 * Paths may be strings or Buffers.
 */
// Named imports, not `import * as fs`: a namespace import of a CommonJS builtin is
// bundled as a copy of all its ~100 properties, each with a getter, on every run.
import { closeSync, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import type { MakeDirectoryOptions, RmOptions, Stats } from "node:fs";

type PathLike = string | Buffer;

/** Runs a synchronous call as a promise: errors become rejections, as fs/promises does. */
function now<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

export class FileHandle {
  constructor(readonly fd: number) {}

  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    return now(() => ({ bytesRead: readSync(this.fd, buffer, offset, length, position), buffer }));
  }

  stat(): Promise<Stats> {
    return now(() => fstatSync(this.fd));
  }

  /** The rest of the file from the current position (like FileHandle.readFile). */
  readFile(): Promise<Buffer> {
    // readFileSync on the descriptor reads from the current position to the end, in
    // one read of the size fstat gives for a regular file (no Buffer.concat to compile).
    return now(() => readFileSync(this.fd));
  }

  writeFile(data: string | Uint8Array): Promise<void> {
    return now(() => {
      let buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      while (buf.length > 0) buf = buf.subarray(writeSync(this.fd, buf, 0, buf.length, null));
    });
  }

  sync(): Promise<void> {
    return now(() => fsyncSync(this.fd));
  }

  close(): Promise<void> {
    return now(() => closeSync(this.fd));
  }
}

export function open(path: PathLike, flags: string | number, mode?: number): Promise<FileHandle> {
  return now(() => new FileHandle(openSync(path, flags, mode)));
}

export function readFile(path: PathLike, encoding: BufferEncoding): Promise<string> {
  return now(() => readFileSync(path, encoding));
}

export function readdir(path: PathLike, options: { encoding: "buffer" }): Promise<Buffer[]> {
  return now(() => readdirSync(path, options));
}

export function lstat(path: PathLike): Promise<Stats> {
  return now(() => lstatSync(path));
}

export function stat(path: PathLike): Promise<Stats> {
  return now(() => statSync(path));
}

export function rename(from: PathLike, to: PathLike): Promise<void> {
  return now(() => renameSync(from, to));
}

export function unlink(path: PathLike): Promise<void> {
  return now(() => unlinkSync(path));
}

export function rm(path: PathLike, options: RmOptions): Promise<void> {
  return now(() => rmSync(path, options));
}

export function mkdir(path: PathLike, options: MakeDirectoryOptions): Promise<void> {
  return now(() => void mkdirSync(path, options));
}

export function link(existing: PathLike, created: PathLike): Promise<void> {
  return now(() => linkSync(existing, created));
}
