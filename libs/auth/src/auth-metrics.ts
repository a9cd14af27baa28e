import { metrics, type Counter } from '@opentelemetry/api';
import type { ConcurrencyGate } from '@mail/limits';

export type LoginOutcome = 'ok' | 'invalid' | 'locked' | 'disabled' | 'throttled' | 'busy';

let logins: Counter | undefined;

/** Created on first use so it binds to the meter provider telemetry registered at start-up. */
export function countLogin(result: LoginOutcome, protocol: string): void {
  logins ??= metrics.getMeter('auth').createCounter('mail_auth_logins_total', { description: 'Login attempts by result (throttled: client over its limit; busy: hash queue full)' });
  logins.add(1, { result, protocol });
}

let gates: ConcurrencyGate[] | undefined;

/** Password hashes running and waiting, summed over the gates of this process. */
export function observeHashGate(gate: ConcurrencyGate): void {
  if (!gates) {
    const all: ConcurrencyGate[] = (gates = []);
    const meter = metrics.getMeter('auth');
    meter.createObservableGauge('mail_auth_hashes_running', { description: 'Password hashes being computed' }).addCallback((r) => r.observe(all.reduce((n, g) => n + g.active, 0)));
    meter.createObservableGauge('mail_auth_hashes_waiting', { description: 'Password hashes waiting for a slot' }).addCallback((r) => r.observe(all.reduce((n, g) => n + g.queued, 0)));
  }
  gates.push(gate);
}
