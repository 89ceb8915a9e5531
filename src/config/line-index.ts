/**
 * Where each key of a TOML document is written. The `toml` package returns plain
 * values without positions, so this scanner walks the (already syntax-checked) text
 * once and records the line of every table header, `[[array]]` element, key
 * assignment (dotted keys and inline tables included) and array element.
 *
 * It is lenient by design: `toml.parse` has already refused bad syntax, so on
 * anything unexpected the scanner skips a character rather than failing.
 */

/** A key path: table names and keys; numbers index arrays (`[[records]]` or `[a, b]`). */
export type KeyPath = readonly (string | number)[];

function pathKey(path: KeyPath): string {
  return path.map((p) => (typeof p === "number" ? `#${p}` : `.${p}`)).join("");
}

export class LineIndex {
  private readonly lines = new Map<string, number>();

  /** Records the first position of a path only: duplicates are syntax errors anyway. */
  set(path: KeyPath, line: number): void {
    const k = pathKey(path);
    if (!this.lines.has(k)) this.lines.set(k, line);
  }

  /** The line of the path, else of its nearest written ancestor, else 1. */
  lineOf(path: KeyPath): number {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(pathKey(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return 1;
  }

  static build(text: string): LineIndex {
    const index = new LineIndex();
    new Scanner(text, index).document();
    return index;
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;

class Scanner {
  private i = 0;
  private line = 1;
  /** Element counts of each `[[array]]` seen, by its resolved path. */
  private readonly arrays = new Map<string, number>();

  constructor(
    private readonly text: string,
    private readonly index: LineIndex,
  ) {}

  document(): void {
    let table: (string | number)[] = [];
    while (this.skipSpace(true), this.i < this.text.length) {
      const start = this.line;
      if (this.text[this.i] === "[") {
        const isArray = this.text[this.i + 1] === "[";
        this.advance(isArray ? 2 : 1);
        const keys = this.keyPath();
        this.skipSpace(false);
        if (this.text[this.i] === "]") this.advance(this.text[this.i + 1] === "]" && isArray ? 2 : 1);
        table = this.header(keys, isArray, start);
        continue;
      }
      const keys = this.keyPath();
      if (keys.length === 0) {
        this.advance(1); // not a key: skip (toml already refused real garbage)
        continue;
      }
      this.assignment(table, keys, start);
    }
  }

  private header(keys: string[], isArray: boolean, line: number): (string | number)[] {
    const out: (string | number)[] = [];
    keys.forEach((k, n) => {
      out.push(k);
      const last = n === keys.length - 1;
      const count = this.arrays.get(pathKey(out));
      if (last && isArray) {
        const next = count ?? 0;
        this.arrays.set(pathKey(out), next + 1);
        this.index.set(out, line);
        out.push(next);
      } else if (count !== undefined) {
        out.push(count - 1); // a table inside the latest element of an array of tables
      }
      this.index.set(out, line);
    });
    return out;
  }

  private assignment(table: readonly (string | number)[], keys: string[], line: number): void {
    const path = [...table];
    for (const k of keys) {
      path.push(k);
      this.index.set(path, line);
    }
    this.skipSpace(false);
    if (this.text[this.i] === "=") this.advance(1);
    this.value(path);
  }

  private value(path: (string | number)[]): void {
    this.skipSpace(false);
    const c = this.text[this.i];
    if (c === '"' || c === "'") {
      this.string();
    } else if (c === "[") {
      this.advance(1);
      let n = 0;
      for (;;) {
        this.skipSpace(true);
        const d = this.text[this.i];
        if (d === undefined) return;
        if (d === "]") {
          this.advance(1);
          return;
        }
        if (d === ",") {
          this.advance(1);
          n++;
          continue;
        }
        const before = this.i;
        this.index.set([...path, n], this.line);
        this.value([...path, n]);
        if (this.i === before) this.advance(1);
      }
    } else if (c === "{") {
      this.advance(1);
      for (;;) {
        this.skipSpace(true);
        const d = this.text[this.i];
        if (d === undefined) return;
        if (d === "}") {
          this.advance(1);
          return;
        }
        if (d === ",") {
          this.advance(1);
          continue;
        }
        const line = this.line;
        const keys = this.keyPath();
        if (keys.length === 0) {
          this.advance(1);
          continue;
        }
        this.assignment(path, keys, line);
      }
    } else {
      // A scalar: runs to a separator (date-times may hold a space).
      while (this.i < this.text.length && !",]}#\n".includes(this.text[this.i] as string)) this.advance(1);
    }
  }

  /** Skips one string of any of the four kinds, multi-line ones included. */
  private string(): void {
    const q = this.text[this.i] as string;
    const triple = this.text.startsWith(q.repeat(3), this.i);
    this.advance(triple ? 3 : 1);
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (c === "\\" && q === '"') {
        this.advance(2);
      } else if (triple && this.text.startsWith(q.repeat(3), this.i)) {
        this.advance(3);
        // Up to two quotes may end the content right before the delimiter.
        for (let extra = 0; extra < 2 && this.text[this.i] === q; extra++) this.advance(1);
        return;
      } else if (!triple && (c === q || c === "\n")) {
        this.advance(1);
        return;
      } else {
        this.advance(1);
      }
    }
  }

  /** Reads `a.b."c d".'e'`; returns [] when no key starts here. */
  private keyPath(): string[] {
    const keys: string[] = [];
    for (;;) {
      this.skipSpace(false);
      const c = this.text[this.i];
      if (c === '"' || c === "'") {
        const start = this.i;
        this.string();
        keys.push(unquote(this.text.slice(start, this.i)));
      } else {
        const start = this.i;
        while (this.i < this.text.length && BARE_KEY.test(this.text[this.i] as string)) this.advance(1);
        if (this.i === start) return keys;
        keys.push(this.text.slice(start, this.i));
      }
      this.skipSpace(false);
      if (this.text[this.i] !== ".") return keys;
      this.advance(1);
    }
  }

  private skipSpace(newlines: boolean): void {
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) this.advance(1);
      else if (c === "#") while (this.i < this.text.length && this.text[this.i] !== "\n") this.advance(1);
      else return;
    }
  }

  private advance(n: number): void {
    for (let k = 0; k < n && this.i < this.text.length; k++) {
      if (this.text[this.i] === "\n") this.line++;
      this.i++;
    }
  }
}

function unquote(s: string): string {
  if (s.startsWith("'")) return s.slice(1, -1);
  try {
    return JSON.parse(s) as string;
  } catch {
    return s.slice(1, -1);
  }
}
