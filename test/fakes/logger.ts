import type { Logger, Transition } from "../../src/log/types.js";

export class MemoryLogger implements Logger {
  readonly transitions: Transition[] = [];
  readonly warnings: string[] = [];
  transition(t: Transition): void {
    this.transitions.push(t);
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
  async close(): Promise<void> {}
}
