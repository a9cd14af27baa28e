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

let coalescing = false;

/**
 * smtp-server writes every reply with its own `write`, so a pipelined MAIL, RCPT and DATA (RFC 2920)
 * costs three writes and three wake-ups of the client. Replies are gathered per turn of the event
 * loop instead (cork, then uncork once everything this turn produced is written), as Postfix flushes
 * its replies only when it has no more input to process. The 220s are never held: the greeting, and
 * the STARTTLS go-ahead, after which the socket is handed to TLS.
 */
export function coalescePipelinedReplies(): void {
  if (coalescing) return;
  coalescing = true;
  type Socket = { cork(): void; uncork(): void; destroyed: boolean };
  const corked = new WeakSet<Socket>();
  const flush = (socket: Socket) => {
    if (!corked.delete(socket)) return;
    socket.uncork();
  };
  const proto = SMTPConnection.prototype as unknown as { send(this: { _socket?: Socket }, code: number, data: unknown, context?: unknown): void };
  const original = proto.send;
  proto.send = function (code, data, context) {
    const socket = this._socket;
    if (socket && !socket.destroyed) {
      if (code === 220) flush(socket);
      else if (!corked.has(socket)) {
        corked.add(socket);
        socket.cork();
        setImmediate(flush, socket);
      }
    }
    return original.call(this, code, data, context);
  };
}
