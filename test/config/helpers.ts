import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DdnsError } from "../../src/errors.js";
import type { ParseOptions } from "../../src/config/load.js";
import { parseConfigText } from "../../src/config/load.js";
import type { Config } from "../../src/config/types.js";

export const FILE = "/etc/ddns/ddns.toml";

/** Parses text as a mode-600 file unless told otherwise. */
export function parse(text: string, opts: ParseOptions = {}): Promise<Config> {
  return parseConfigText(text, FILE, { fileMode: 0o100600, fileMtimeMs: 1000, ...opts });
}

/** Asserts the text is refused and returns the error. */
export async function refused(text: string, opts: ParseOptions = {}): Promise<DdnsError> {
  try {
    await parse(text, opts);
  } catch (e) {
    assert.ok(e instanceof DdnsError, `not a DdnsError: ${String(e)}`);
    return e;
  }
  assert.fail(`accepted:\n${text}`);
}

/** Asserts exactly one problem, at `line`, for `key`, whose text matches `what`. */
export async function refusedAt(text: string, line: number, key: string, what: RegExp, opts: ParseOptions = {}): Promise<DdnsError> {
  const e = await refused(text, opts);
  assert.equal(e.code, "CONFIG_INVALID", e.message);
  const lines = e.message.split("\n");
  assert.equal(lines.length, 1, `expected one problem:\n${e.message}`);
  const prefix = `${FILE}:${line}: ${key}: `;
  assert.ok(e.message.startsWith(prefix), `expected "${prefix}..." but got:\n${e.message}`);
  assert.match(e.message.slice(prefix.length), what);
  return e;
}

export async function tempDir(): Promise<{ dir: string; write(name: string, text: string, mode?: number): Promise<string>; done(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "ddns-config-"));
  return {
    dir,
    async write(name, text, mode = 0o600) {
      const p = join(dir, name);
      await writeFile(p, text);
      await chmod(p, mode);
      return p;
    },
    done: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A minimal valid provider table plus record, for tests that need one. */
export const CLOUDFLARE = `
[providers.home]
type = "cloudflare"
token = "tok-inline-123"
`;
