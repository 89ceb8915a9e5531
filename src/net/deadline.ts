/**
 * A run's deadline as an AbortSignal that also tells when it fires.
 *
 * Every network wait of a run takes the run's AbortSignal. Waiting for its "abort"
 * event means an event listener, and a run's first listener makes Node compile its
 * EventTarget machinery (about 1 M instructions, a run's only use of it). A signal
 * made here carries its expiry time, so a waiter that has a timer anyway (the HTTP
 * exchange) arms it for the earlier of its own limit and the deadline and needs no
 * listener. Signals from elsewhere (an operator-driven abort, a test's controller)
 * have no expiry: waiters listen to them as before.
 */
const expiries = new WeakMap<AbortSignal, number>();

/** `AbortSignal.timeout(ms)`, remembered with its expiry (epoch ms). */
export function deadlineSignal(ms: number): AbortSignal {
  const signal = AbortSignal.timeout(ms);
  expiries.set(signal, Date.now() + ms);
  return signal;
}

/** When a signal made by deadlineSignal fires (epoch ms); undefined for any other signal. */
export function expiryOf(signal: AbortSignal | undefined): number | undefined {
  return signal === undefined ? undefined : expiries.get(signal);
}
