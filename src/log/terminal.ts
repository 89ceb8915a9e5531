import type { Logger, Transition } from "./types.js";

/** Plain sentences for a person at a terminal: transitions on stdout, warnings on stderr. */
export function createTerminalLogger(out: (line: string) => void, err: (line: string) => void): Logger {
  return {
    transition(t: Transition) {
      (t.priority <= 4 ? err : out)(t.message);
    },
    warn(message: string) {
      err(`warning: ${message}`);
    },
    async close() {},
  };
}
