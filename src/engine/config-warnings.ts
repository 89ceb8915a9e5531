/**
 * Config warnings in the journal (issue 14): each is logged once, not on every run.
 *
 * A warning (a `ttl` on a protocol that carries none, say) is accepted config, so the
 * timer would otherwise repeat it every 15 minutes forever. The state keeps the
 * sentences last logged (`State.configWarnings`); a run logs only those not among
 * them and keeps the current list, so a warning is logged again only after it went
 * away and came back, or its line moved. The idle seal (state/idle-seal.ts) already
 * keeps a quiet timer run from parsing the config at all; this covers the runs that
 * do parse it (events, a config edit, a push), which would each repeat it.
 */
import type { ConfigWarning } from "../config/types.js";
import type { Logger } from "../log/types.js";
import type { State } from "../state/types.js";

export function takeConfigWarnings(state: State, warnings: readonly ConfigWarning[] | undefined, logger: Logger): State {
  const now = (warnings ?? []).map((w) => w.text);
  const said = new Set(state.configWarnings ?? []);
  for (const w of warnings ?? []) {
    if (said.has(w.text)) continue;
    logger.transition({
      kind: "config-warning",
      priority: 4,
      message: w.text,
      ...(w.record !== undefined ? { record: w.record } : {}),
    });
  }
  if (now.length === 0) {
    if (state.configWarnings === undefined) return state;
    const { configWarnings: _gone, ...rest } = state;
    return rest;
  }
  if (sameList(now, state.configWarnings)) return state;
  return { ...state, configWarnings: now };
}

function sameList(a: readonly string[], b: readonly string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
