import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

/** An error for smtp-server callbacks: the reply code and text (which starts with its enhanced code). */
export function smtpError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

let patched = false;

/**
 * smtp-server derives the enhanced status code from the reply code alone, so a policy reply such
 * as `554 5.7.1 relay access denied` would go out as `554 5.6.0 5.7.1 ...`. Replies whose text
 * already carries an enhanced code are sent as they are; every other reply is untouched.
 */
export function honourExplicitEnhancedCodes(): void {
  if (patched) return;
  patched = true;
  const proto = SMTPConnection.prototype as unknown as { send(code: number, data: unknown, context?: unknown): void };
  const original = proto.send;
  proto.send = function (this: unknown, code: number, data: unknown, context?: unknown) {
    if (typeof data === 'string' && ENHANCED.test(data)) return original.call(this, code, data, false);
    return original.call(this, code, data, context);
  };
}
