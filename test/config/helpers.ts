import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DdnsError } from "../../src/errors.js";
import type { ParseOptions } from "../../src/config/load.js";
import { parseConfigText } from "../../src/config/load.js";
import type { Config } from "../../src/config/types.js";
import { assertNoSecretsIn } from "../helpers/secrets.js";

export const FILE = "/etc/ddns/ddns.toml";

/**
 * Every secret value the config tests configure (inline, in secret files, in
 * credentials, as a password in a URL). parse(), refused() and printable() scan for
 * all of them, so a test that uses another secret adds it here.
 */
export const SECRETS = [
  "tok-inline-123", // CLOUDFLARE below
  "pw-inline-456",
  "S3cr3t-value-7f1c", // secrets.test.ts
  "S3cr3t-cli-91ab", // cli-exit.test.ts
  "push-pw-from-file",
  "push-tok-from-credential",
  "t0k-push-basic-user",
  "tok-shipped-example",
  "pw-shipped-example",
  "pw-in-endpoint-url",
  "tok-errors-case",
  "pw-errors-case",
  "dyndns2-pw-123456",
  "fp-secret-aaaa",
  "fp-secret-aaaaa",
  "tok-other-value-9",
] as const;

/**
 * What of a validated Config may be printed or logged: everything but the values of
 * the keys it names as secret (providers' secretKeys, [push] password and token),
 * which legitimately hold the resolved secrets in memory.
 */
export function printable(c: Config): unknown {
  const providers = [...c.providers.values()].map((p) => ({
    ...p,
    values: Object.fromEntries(Object.entries(p.values).filter(([k]) => !p.secretKeys.includes(k))),
  }));
  const push = c.push === undefined ? undefined : { ...c.push, password: undefined, token: undefined };
  return { ...c, providers, push };
}

/** Parses text as a mode-600 file unless told otherwise; what may be printed of the result holds no secret. */
export async function parse(text: string, opts: ParseOptions = {}): Promise<Config> {
  const c = await parseConfigText(text, FILE, { fileMode: 0o100600, fileMtimeMs: 1000, ...opts });
  assertNoSecretsIn(SECRETS, [printable(c)]);
  return c;
}

/** Asserts the text is refused and returns the error, whose message and causes hold no secret. */
export async function refused(text: string, opts: ParseOptions = {}): Promise<DdnsError> {
  try {
    await parse(text, opts);
  } catch (e) {
    assert.ok(e instanceof DdnsError, `not a DdnsError: ${String(e)}`);
    assertNoSecretsIn(SECRETS, [e]);
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
