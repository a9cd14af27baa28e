import { metrics, type Counter } from '@opentelemetry/api';

let logins: Counter | undefined;

/** Created on first use so it binds to the meter provider telemetry registered at start-up. */
export function countLogin(result: 'ok' | 'invalid' | 'locked' | 'disabled', protocol: string): void {
  logins ??= metrics.getMeter('auth').createCounter('mail_auth_logins_total', { description: 'Login attempts by result' });
  logins.add(1, { result, protocol });
}
