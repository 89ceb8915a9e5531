import { chmod, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { DdnsError } from "../errors.js";
import { errnoText } from "../config/secrets.js";
import { convertDdclient } from "../import/ddclient.js";
import { EXIT, type Runtime } from "./runtime.js";

/** Larger than this is not a ddclient.conf. */
const MAX_BYTES = 1024 * 1024;

export interface ImportOptions {
  from: "ddclient";
  file: string;
  /** Where the secrets go, one 0600 file per credential. */
  credentialsDir: string;
}

/**
 * `ddns import ddclient [FILE]`: prints an equivalent ddns.toml on stdout, writes the
 * secrets it found to credential files (never printed), and lists on stderr every
 * option it did not carry over with the reason. Writes nothing else.
 */
export async function importCommand(opts: ImportOptions, rt: Runtime): Promise<number> {
  let text: string;
  try {
    const st = await stat(opts.file);
    // A ddclient.conf is a few KiB; a huge or binary file is the wrong file, not input to hold in memory.
    if (st.isFile() && st.size > MAX_BYTES) throw new DdnsError("CONFIG_INVALID", `${opts.file}: larger than 1 MiB; is it a ddclient configuration?`);
    text = await readFile(opts.file, "utf8");
  } catch (e) {
    if (e instanceof DdnsError) throw e;
    throw new DdnsError("CONFIG_UNREADABLE", `${opts.file}: cannot read the ddclient configuration (${errnoText(e)})`, { cause: e });
  }
  if (text.length > MAX_BYTES) throw new DdnsError("CONFIG_INVALID", `${opts.file}: larger than 1 MiB; is it a ddclient configuration?`);
  if (text.includes("\0")) throw new DdnsError("CONFIG_INVALID", `${opts.file}: holds NUL bytes; it is not a ddclient configuration (text)`);
  const c = convertDdclient(text, opts.file, opts.credentialsDir);
  if (c.secrets.length > 0) {
    // An existing credential with another value may be what a working ddns.toml
    // reads: never replaced. The same value is simply left as it is.
    for (const s of c.secrets) {
      const path = join(opts.credentialsDir, s.name);
      const old = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? undefined : ""));
      if (old !== undefined && old !== `${s.value}\n`) {
        throw new DdnsError("USAGE", `${path} already exists with another value; it is left alone. Import into another directory with --credentials-dir DIR`);
      }
    }
    await mkdir(opts.credentialsDir, { recursive: true, mode: 0o700 });
    for (const s of c.secrets) await writeSecret(join(opts.credentialsDir, s.name), s.value);
  }
  rt.out(c.toml.replace(/\n$/, ""));
  rt.err(`ddns import: ${c.records} record(s) from ${opts.file}` + (c.secrets.length > 0 ? `; ${c.secrets.length} secret(s) written to ${opts.credentialsDir} (mode 0600): ${c.secrets.map((s) => s.name).join(", ")}` : ""));
  if (c.notCarried.length > 0) {
    rt.err("not carried over:");
    for (const n of c.notCarried) rt.err(`  ${n.what}: ${n.reason}`);
  }
  return c.records > 0 ? EXIT.ok : EXIT.config;
}

/** Temp file (0600 from the start), fsync, rename: a reader never sees half a secret. */
async function writeSecret(path: string, value: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const h = await open(tmp, "w", 0o600);
  try {
    await h.writeFile(`${value}\n`);
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
