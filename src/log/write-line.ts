import { writeSync } from "node:fs";

/**
 * Writes one line to stdout (fd 1) or stderr (fd 2) with a plain write(2).
 * process.stdout/stderr are getters that build a stream on first use (for a pipe or
 * the journal's socket: net and stream machinery, ~9 M instructions), which a run
 * that prints a line or two does not need. Falls back to the stream when the
 * descriptor is non-blocking and full (EAGAIN).
 */
export function writeLine(fd: 1 | 2, line: string): void {
  const data = Buffer.from(line + "\n", "utf8");
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EAGAIN") (fd === 1 ? process.stdout : process.stderr).write(data);
    // EPIPE/EBADF: nobody is reading; a message cannot be delivered anywhere else.
  }
}
