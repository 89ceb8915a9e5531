import { DdnsError } from "../errors.js";
import type { ConfigWarning } from "./types.js";
import type { KeyPath, LineIndex } from "./line-index.js";
import { nearest } from "./suggest.js";

/** One thing wrong with the config, at the line of its key. Never holds a secret. */
export interface Problem {
  line: number;
  key: string;
  message: string;
  /** A secret file or credential could not be read (SECRET_UNREADABLE). */
  secretRead: boolean;
}

/** At most this many problems are reported at once; the rest would be noise. */
const MAX_REPORTED = 20;

/** Collects every problem of one config, then throws them as one DdnsError. */
export class Problems {
  readonly list: Problem[] = [];
  /** Accepted, but told: `ddns check` prints them, `ddns run` logs each once. */
  readonly warnings: ConfigWarning[] = [];

  private built: LineIndex | undefined;

  /**
   * `index` is built on first need: a valid config asks for no line until a message
   * does (scanning the text costs a run ~1.4 M instructions, PERFORMANCE.md).
   */
  constructor(
    readonly file: string,
    private readonly index: LineIndex | (() => LineIndex),
  ) {}

  private lines(): LineIndex {
    return (this.built ??= typeof this.index === "function" ? this.index() : this.index);
  }

  add(path: KeyPath, message: string, secretRead = false): void {
    this.list.push({ line: this.lines().lineOf(path), key: displayKey(path), message, secretRead });
  }

  /** A warning at the line of `path`: the config stays valid. */
  warn(path: KeyPath, message: string, record?: string): void {
    const line = this.lines().lineOf(path);
    const key = displayKey(path);
    const w: ConfigWarning = { line, key, message, text: `${this.file}:${line}: ${oneLine(key)}: ${oneLine(message)}` };
    if (record !== undefined) w.record = record;
    this.warnings.push(w);
  }

  /** The warnings in line order, at most as many as errors are reported. */
  sortedWarnings(): ConfigWarning[] {
    return [...this.warnings].sort((a, b) => a.line - b.line).slice(0, MAX_REPORTED);
  }

  lineOf(path: KeyPath): number {
    return this.lines().lineOf(path);
  }

  /** Throws CONFIG_INVALID ("FILE:LINE: key: what is wrong", one line each) if any. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const sorted = [...this.list].sort((a, b) => a.line - b.line);
    const lines = sorted.slice(0, MAX_REPORTED).map((p) => `${this.file}:${p.line}: ${oneLine(p.key)}: ${oneLine(p.message)}`);
    if (sorted.length > MAX_REPORTED) lines.push(`${this.file}: ... and ${sorted.length - MAX_REPORTED} more problems`);
    const code = this.list.every((p) => p.secretRead) ? "SECRET_UNREADABLE" : "CONFIG_INVALID";
    throw new DdnsError(code, lines.join("\n"));
  }
}

/**
 * Escapes control characters: a value quoted in a message (a multi-line string, a
 * quoted key) must not break the one-problem-per-line format or forge a log line.
 */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `providers.home.token`, `records.name`: array positions are left to the line number. */
export function displayKey(path: KeyPath): string {
  const names = path.filter((p): p is string => typeof p === "string");
  return names.length === 0 ? "(top level)" : names.join(".");
}

export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** "a string", "a list", ... for "must be X, not Y" messages. */
export function describe(v: unknown): string {
  if (typeof v === "string") return "a string";
  if (typeof v === "boolean") return "a boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a number";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Date) return "a date";
  if (isTable(v)) return "a table";
  return typeof v;
}

/**
 * Reports every key of `table` not in `allowed`, with the nearest allowed key
 * suggested. Returns the suggested keys, so that "missing X" need not follow
 * "unknown key Y (did you mean X?)".
 */
export function checkKeys(p: Problems, path: KeyPath, table: Table, allowed: readonly string[]): Set<string> {
  const suggested = new Set<string>();
  for (const key of Object.keys(table)) {
    if (allowed.includes(key)) continue;
    const near = nearest(key, allowed);
    if (near !== undefined) suggested.add(near);
    p.add([...path, key], `unknown key "${key}"${near === undefined ? "" : ` (did you mean "${near}"?)`}`);
  }
  return suggested;
}

export function readTable(p: Problems, path: KeyPath, v: unknown): Table | undefined {
  if (isTable(v)) return v;
  p.add(path, `must be a table, not ${describe(v)}`);
  return undefined;
}

export function readString(p: Problems, path: KeyPath, v: unknown): string | undefined {
  if (typeof v !== "string") {
    p.add(path, `must be a string, not ${describe(v)}`);
    return undefined;
  }
  if (v.trim() === "") {
    p.add(path, "must not be empty");
    return undefined;
  }
  return v;
}

export function readBool(p: Problems, path: KeyPath, v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  p.add(path, `must be true or false, not ${describe(v)}`);
  return undefined;
}

export function readInteger(p: Problems, path: KeyPath, v: unknown, min: number, max: number): number | undefined {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    p.add(path, `must be an integer from ${min} to ${max}, not ${describe(v)}`);
    return undefined;
  }
  if (v < min || v > max) {
    p.add(path, `must be from ${min} to ${max}, not ${v}`);
    return undefined;
  }
  return v;
}

export function readNumber(p: Problems, path: KeyPath, v: unknown, min: number, max: number): number | undefined {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    p.add(path, `must be a number from ${min} to ${max}, not ${describe(v)}`);
    return undefined;
  }
  if (v < min || v > max) {
    p.add(path, `must be from ${min} to ${max}, not ${v}`);
    return undefined;
  }
  return v;
}

/** A list of non-empty strings; `undefined` (reported) when it is anything else. */
export function readStringList(p: Problems, path: KeyPath, v: unknown, opts: { nonEmpty?: boolean } = {}): string[] | undefined {
  if (!Array.isArray(v)) {
    p.add(path, `must be a list of strings, not ${describe(v)}`);
    return undefined;
  }
  if (opts.nonEmpty === true && v.length === 0) {
    p.add(path, "must not be an empty list");
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  v.forEach((item, n) => {
    const s = readString(p, [...path, n], item);
    if (s === undefined) ok = false;
    else out.push(s);
  });
  return ok ? out : undefined;
}
