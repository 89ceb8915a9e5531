import type { DnsProvider, PushOutcome, RecordUpdate } from "../../src/provider/types.js";

/** A DnsProvider whose outcomes the test scripts; it records every push call. */
export class FakeProvider implements DnsProvider {
  readonly calls: RecordUpdate[][] = [];
  next: (u: RecordUpdate) => PushOutcome = () => ({ kind: "updated" });

  async push(updates: RecordUpdate[]): Promise<Map<string, PushOutcome>> {
    this.calls.push(updates);
    return new Map(updates.map((u) => [u.key, this.next(u)]));
  }
}
