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
import * as fs from "node:fs";

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
    return now(() => ({ bytesRead: fs.readSync(this.fd, buffer, offset, length, position), buffer }));
  }

  stat(): Promise<fs.Stats> {
    return now(() => fs.fstatSync(this.fd));
  }

  /** The rest of the file from the current position (like FileHandle.readFile). */
  readFile(): Promise<Buffer> {
    return now(() => {
      const chunks: Buffer[] = [];
      for (;;) {
        const buf = Buffer.allocUnsafe(16384);
        const n = fs.readSync(this.fd, buf, 0, buf.length, null);
        if (n === 0) return Buffer.concat(chunks);
        chunks.push(buf.subarray(0, n));
      }
    });
  }

  writeFile(data: string | Uint8Array): Promise<void> {
    return now(() => {
      let buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      while (buf.length > 0) buf = buf.subarray(fs.writeSync(this.fd, buf, 0, buf.length, null));
    });
  }

  sync(): Promise<void> {
    return now(() => fs.fsyncSync(this.fd));
  }

  close(): Promise<void> {
    return now(() => fs.closeSync(this.fd));
  }
}

export function open(path: PathLike, flags: string | number, mode?: number): Promise<FileHandle> {
  return now(() => new FileHandle(fs.openSync(path, flags, mode)));
}

export function readFile(path: PathLike, encoding: BufferEncoding): Promise<string> {
  return now(() => fs.readFileSync(path, encoding));
}

export function readdir(path: PathLike, options: { encoding: "buffer" }): Promise<Buffer[]> {
  return now(() => fs.readdirSync(path, options));
}

export function lstat(path: PathLike): Promise<fs.Stats> {
  return now(() => fs.lstatSync(path));
}

export function stat(path: PathLike): Promise<fs.Stats> {
  return now(() => fs.statSync(path));
}

export function rename(from: PathLike, to: PathLike): Promise<void> {
  return now(() => fs.renameSync(from, to));
}

export function unlink(path: PathLike): Promise<void> {
  return now(() => fs.unlinkSync(path));
}

export function rm(path: PathLike, options: fs.RmOptions): Promise<void> {
  return now(() => fs.rmSync(path, options));
}

export function mkdir(path: PathLike, options: fs.MakeDirectoryOptions): Promise<void> {
  return now(() => void fs.mkdirSync(path, options));
}

export function link(existing: PathLike, created: PathLike): Promise<void> {
  return now(() => fs.linkSync(existing, created));
}
