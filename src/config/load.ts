import { open } from "../fs-lite.js";
import { isUtf8 } from "node:buffer";
import { resolve } from "node:path";
import toml from "toml";
import { DdnsError } from "../errors.js";
import { FAMILIES } from "../ip-source/types.js";
import type { Family } from "../ip-source/types.js";
import { plain, readCachedDoc, writeCachedDoc, type DocCacheKey } from "./doc-cache.js";
import { readFamily } from "./family.js";
import { LineIndex } from "./line-index.js";
import { Problems, checkKeys, isTable } from "./problems.js";
import { readNotify } from "./notify.js";
import { readProviders } from "./providers.js";
import { readPush, readRecords } from "./records.js";
import { errnoText } from "./secrets.js";
import type { Config, FamilyConfig } from "./types.js";
import { VERIFY_TOP_KEYS, readVerifyDefaults } from "./verify.js";

/** A config larger than this is not a ddns config (and would only cost memory). */
const MAX_CONFIG_BYTES = 1024 * 1024;

const TOP_KEYS = ["ipv4", "ipv6", "providers", "records", "push", "notify", ...VERIFY_TOP_KEYS] as const;

export interface ParseOptions {
  /** `$CREDENTIALS_DIRECTORY`, where `K_credential` secrets are read. */
  credentialsDir?: string | undefined;
  /** Mode bits of the file; when set, an inline secret in a group/other-readable file is refused. */
  fileMode?: number | undefined;
  /** mtime (ms) of the file: what an inline secret contributes to a provider's fingerprint. */
  fileMtimeMs?: number | undefined;
  /**
   * Read `[push]` secrets (default true). `ddns run` passes false: the reconciler never
   * needs them, and they may be a credential given to ddns-push@.service only.
   */
  pushSecrets?: boolean | undefined;
  /** Read K_file / K_credential secrets (default true); false checks their shape only (`ddns status`). */
  readSecrets?: boolean | undefined;
  /** What `toml.parse(text)` returns for this very text (config/doc-cache.ts): the parse is skipped. */
  doc?: unknown;
  /**
   * Called once the config validated, with the parsed document as JSON (taken before
   * validation) and whether any secret was given inline; only when no `doc` was given
   * and the document is plain JSON (doc-cache.ts `plain`).
   */
  parsed?: ((docJson: string, inlineSecret: boolean) => void) | undefined;
}

/** The parse cache of `ddns run` (config/doc-cache.ts): where, for what, and whether it may be written. */
export interface DocCacheUse extends DocCacheKey {
  write: boolean;
  now: number;
}

/**
 * Reads and validates the config file (DESIGN.md "Config").
 * Throws DdnsError CONFIG_UNREADABLE when the file cannot be read, SECRET_UNREADABLE
 * when only secret files/credentials could not be read, else CONFIG_INVALID with one
 * "FILE:LINE: key: what is wrong" line per problem. Messages never hold a secret.
 */
export async function loadConfig(opts: {
  file: string;
  credentialsDir?: string | undefined;
  pushSecrets?: boolean | undefined;
  readSecrets?: boolean | undefined;
  docCache?: DocCacheUse | undefined;
}): Promise<Config> {
  const file = resolve(opts.file);
  let text: string;
  let mode: number;
  let mtimeMs: number;
  let handle;
  try {
    handle = await open(file, "r");
  } catch (e) {
    throw new DdnsError("CONFIG_UNREADABLE", `${file}: cannot read the config (${errnoText(e)})`, { cause: e });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new DdnsError("CONFIG_UNREADABLE", `${file}: cannot read the config (not a regular file)`);
    if (st.size > MAX_CONFIG_BYTES) throw new DdnsError("CONFIG_INVALID", `${file}:1: (file): larger than 1 MiB; is it the right file?`);
    mode = st.mode;
    mtimeMs = st.mtimeMs;
    const bytes = await handle.readFile();
    // isUtf8 + toString rather than a fatal TextDecoder: the same check without
    // compiling node's encoding module on every run (PERFORMANCE.md).
    if (!isUtf8(bytes)) throw new DdnsError("CONFIG_INVALID", `${file}:1: (file): not valid UTF-8 text`);
    text = bytes.toString("utf8");
  } catch (e) {
    if (e instanceof DdnsError) throw e;
    throw new DdnsError("CONFIG_UNREADABLE", `${file}: cannot read the config (${errnoText(e)})`, { cause: e });
  } finally {
    await handle.close();
  }
  const dc = opts.docCache;
  const doc = dc !== undefined ? readCachedDoc(dc, text.length) : undefined;
  const length = text.length;
  const parsed =
    dc !== undefined && dc.write && doc === undefined
      ? (docJson: string, inlineSecret: boolean) => {
          if (!inlineSecret) writeCachedDoc(dc, length, docJson, dc.now);
        }
      : undefined;
  return parseConfigText(text, file, { credentialsDir: opts.credentialsDir, fileMode: mode, fileMtimeMs: mtimeMs, pushSecrets: opts.pushSecrets, readSecrets: opts.readSecrets, doc, parsed });
}

/**
 * Validates config text as if read from `file` (used by loadConfig, tests and fuzzing).
 * Async because secret files and credentials are read.
 */
export async function parseConfigText(text: string, file: string, opts: ParseOptions = {}): Promise<Config> {
  const path = resolve(file);
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let doc: unknown = opts.doc;
  if (doc === undefined) {
    try {
      doc = toml.parse(source);
    } catch (e) {
      throw syntaxError(path, e);
    }
  }
  // Taken before validation: what is cached is the parser's document, whatever the checks do.
  const docJson = opts.parsed !== undefined && plain(doc) ? JSON.stringify(doc) : undefined;
  const p = new Problems(path, () => LineIndex.build(source));
  if (!isTable(doc)) throw new DdnsError("CONFIG_INVALID", `${path}:1: (top level): not a TOML table`);
  checkKeys(p, [], doc, TOP_KEYS);

  const inline = { seen: false };
  const ctx = { file: path, fileMode: opts.fileMode, fileMtimeMs: opts.fileMtimeMs, credentialsDir: opts.credentialsDir, readSecrets: opts.readSecrets, inline };
  const families = Object.fromEntries(FAMILIES.map((f) => [f, readFamily(p, f, doc[f])])) as Record<Family, FamilyConfig>;
  const providers = await readProviders(p, ctx, doc.providers);
  const verify = readVerifyDefaults(p, doc);
  const proxied = new Set([...providers.entries.values()].filter((e) => e.type === "cloudflare" && e.values["proxied"] === true).map((e) => e.name));
  const records = readRecords(p, doc.records, families, providers.declared, verify, proxied);
  const push = await readPush(p, ctx, doc.push, records, opts.pushSecrets ?? true);
  const notify = await readNotify(p, ctx, doc.notify);
  p.throwIfAny();
  if (docJson !== undefined) opts.parsed?.(docJson, inline.seen);

  const config: Config = { file: path, families, providers: providers.entries, records, verifyResolvers: verify.resolvers };
  if (push !== undefined) config.push = push;
  if (notify !== undefined) config.notify = notify;
  if (p.warnings.length > 0) config.warnings = p.sortedWarnings();
  return config;
}

function syntaxError(file: string, e: unknown): DdnsError {
  const err = e as { line?: unknown; location?: { start?: { line?: unknown } }; message?: unknown };
  const line = typeof err.line === "number" ? err.line : typeof err.location?.start?.line === "number" ? err.location.start.line : 1;
  let message = typeof err.message === "string" ? err.message : "not valid TOML";
  // peggy lists every token it expected; the operator needs the gist and the line.
  message = message.replace(/^Expected .* but (.*) found\.$/s, "unexpected $1").replace(/^unexpected "\\n"$/, "unexpected end of line");
  if (message.length > 200) message = `${message.slice(0, 200)}...`;
  return new DdnsError("CONFIG_INVALID", `${file}:${line}: syntax: ${message}`, { cause: e });
}
