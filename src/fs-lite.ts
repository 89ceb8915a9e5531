/**
 * The few async file operations ddns uses, on node:fs's callback API. Not
 * node:fs/promises: loading that module alone costs every run ~7.5 M instructions
 * (≈8% of `node -e 0`, measured with callgrind; PERFORMANCE.md), more than a no-op
 * run's own work. Same names and shapes as fs/promises for what is used, so a file
 * switches by its import line only. Paths may be strings or Buffers.
 */
import * as fs from "node:fs";

type PathLike = string | Buffer;

function call<T>(fn: (cb: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

export class FileHandle {
  constructor(readonly fd: number) {}

  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    return call<number>((cb) => fs.read(this.fd, buffer, offset, length, position, cb)).then((bytesRead) => ({ bytesRead, buffer }));
  }

  stat(): Promise<fs.Stats> {
    return call((cb) => fs.fstat(this.fd, cb));
  }

  /** The rest of the file from the current position (like FileHandle.readFile). */
  async readFile(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (;;) {
      const buf = Buffer.allocUnsafe(16384);
      const { bytesRead } = await this.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks);
      chunks.push(buf.subarray(0, bytesRead));
    }
  }

  async writeFile(data: string | Uint8Array): Promise<void> {
    let buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    while (buf.length > 0) {
      const chunk = buf;
      const n = await call<number>((cb) => fs.write(this.fd, chunk, 0, chunk.length, null, cb));
      buf = buf.subarray(n);
    }
  }

  sync(): Promise<void> {
    return call<void>((cb) => fs.fsync(this.fd, (err) => cb(err, undefined)));
  }

  close(): Promise<void> {
    return call<void>((cb) => fs.close(this.fd, (err) => cb(err, undefined)));
  }
}

export function open(path: PathLike, flags: string | number, mode?: number): Promise<FileHandle> {
  return call<number>((cb) => fs.open(path, flags, mode, cb)).then((fd) => new FileHandle(fd));
}

export function readFile(path: PathLike, encoding: BufferEncoding): Promise<string> {
  return call((cb) => fs.readFile(path, encoding, cb));
}

export function readdir(path: PathLike, options: { encoding: "buffer" }): Promise<Buffer[]> {
  return call((cb) => fs.readdir(path, options, cb));
}

export function lstat(path: PathLike): Promise<fs.Stats> {
  return call((cb) => fs.lstat(path, cb));
}

export function stat(path: PathLike): Promise<fs.Stats> {
  return call((cb) => fs.stat(path, cb));
}

export function rename(from: PathLike, to: PathLike): Promise<void> {
  return call<void>((cb) => fs.rename(from, to, (err) => cb(err, undefined)));
}

export function unlink(path: PathLike): Promise<void> {
  return call<void>((cb) => fs.unlink(path, (err) => cb(err, undefined)));
}

export function rm(path: PathLike, options: fs.RmOptions): Promise<void> {
  return call<void>((cb) => fs.rm(path, options, (err) => cb(err, undefined)));
}

export function mkdir(path: PathLike, options: fs.MakeDirectoryOptions): Promise<void> {
  return call<void>((cb) => fs.mkdir(path, options, (err) => cb(err, undefined)));
}

export function link(existing: PathLike, created: PathLike): Promise<void> {
  return call<void>((cb) => fs.link(existing, created, (err) => cb(err, undefined)));
}
