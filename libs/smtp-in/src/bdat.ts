import { PassThrough } from 'node:stream';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** `BDAT <chunk-size> [LAST]` (RFC 3030 §2), or why it is not one. */
export function parseBdat(line: string): { size: number; last: boolean } | { error: string } {
  const parts = line.trim().split(/ +/);
  if (parts[0]?.toUpperCase() !== 'BDAT' || parts.length < 2 || parts.length > 3) return { error: 'syntax: BDAT <chunk-size> [LAST]' };
  if (!/^\d{1,15}$/.test(parts[1])) return { error: 'chunk size must be a decimal number' };
  if (parts.length === 3 && parts[2].toUpperCase() !== 'LAST') return { error: 'syntax: BDAT <chunk-size> [LAST]' };
  return { size: Number(parts[1]), last: parts.length === 3 };
}

/**
 * What smtp-server's connection offers that this layer uses. These are its internals (there is no
 * extension point for a command that reads counted bytes), kept to the smallest set: the command
 * parser's data mode and byte feed, the reply writer, the onData hook, and the session reset. The
 * BDAT specs drive all of it over real sockets, so a release that changes them fails there.
 */
interface Connection {
  session: { envelope: { mailFrom: unknown; rcptTo: unknown[] } };
  _parser: Parser | false;
  _socket: NodeJS.EventEmitter;
  _dataStream: unknown;
  _transactionCounter: number;
  _unrecognizedCommands: number;
  _server: { onData(stream: PassThrough, session: unknown, cb: (err?: (Error & { responseCode?: number }) | null, message?: unknown) => void): void };
  send(code: number, data: unknown, context?: unknown): void;
  _resetSession(): void;
  _isSupported(command: string): boolean;
  handler_EHLO(command: Buffer, callback: () => void): void;
  handler_DATA(command: Buffer, callback: () => void): void;
  handler_BDAT?(command: Buffer, callback: () => void): void;
}
interface Parser {
  _dataMode: boolean;
  _feedDataStream?: (chunk: Buffer, done: (err?: Error) => void) => void;
  _write(chunk: Buffer, encoding: string, done: (err?: Error) => void): void;
}

/** One message sent with BDAT: the stream onData reads, and its verdict once it comes. */
interface Transaction {
  stream: PassThrough;
  bytes: number;
  verdict: Promise<{ err?: (Error & { responseCode?: number }) | null; message?: unknown }>;
  abort(): void;
}

/** keyed by the envelope: RSET, EHLO and the end of a transaction give the session a new one */
const transactions = new WeakMap<object, Transaction>();

let installed = false;

/**
 * CHUNKING (RFC 3030) for smtp-server, which has no BDAT: the command reads exactly the announced
 * octets (no dot-stuffing, no end marker) into the same onData stream DATA would give, one stream
 * across the chunks of a message; every chunk but the last is answered `250` at once, the last with
 * the verdict on the message. Chunk bytes are read even when the command is refused, so that they
 * are never taken for commands. See ADR 0015.
 */
export function installChunking(): void {
  if (installed) return;
  installed = true;
  const proto = SMTPConnection.prototype as unknown as Connection;

  const ehlo = proto.handler_EHLO;
  proto.handler_EHLO = function (this: Connection, command, callback) {
    if (!this._isSupported('BDAT')) return ehlo.call(this, command, callback);
    const send = this.send;
    this.send = function (this: Connection, code, data, context) {
      if (code === 250 && Array.isArray(data)) data = [...data, 'CHUNKING'];
      return send.call(this, code, data, context);
    };
    try {
      return ehlo.call(this, command, callback);
    } finally {
      delete (this as Partial<Connection>).send;
    }
  };

  const data = proto.handler_DATA;
  proto.handler_DATA = function (this: Connection, command, callback) {
    if (transactions.has(this.session.envelope)) {
      this.send(503, '5.5.1 DATA cannot follow BDAT in the same transaction');
      return callback();
    }
    return data.call(this, command, callback);
  };

  const reset = proto._resetSession;
  proto._resetSession = function (this: Connection) {
    // RSET (or EHLO) in the middle of a chunked message: the message is abandoned, not accepted
    if (this.session?.envelope) transactions.get(this.session.envelope)?.abort();
    return reset.call(this);
  };

  proto.handler_BDAT = function (this: Connection, command, callback) {
    const parsed = parseBdat(command.toString('latin1'));
    if ('error' in parsed) {
      // without a size the chunk cannot be told from the commands after it: the session is over
      this.send(501, `5.5.4 ${parsed.error}`);
      this.send(421, '4.7.0 closing: chunk boundary lost');
      return callback();
    }
    const envelope = this.session.envelope;
    let refusal: [number, string] | undefined;
    if (!envelope.mailFrom) refusal = [503, '5.5.1 need MAIL command'];
    else if (!envelope.rcptTo.length) refusal = [503, '5.5.1 need RCPT command'];
    const tx = refusal ? undefined : (transactions.get(envelope) ?? begin(this, envelope));
    readChunk(this, parsed.size, tx, callback, (resume) => {
      if (refusal) {
        this.send(refusal[0], refusal[1]);
        return resume();
      }
      if (!tx) return resume();
      if (!parsed.last) {
        this.send(250, `2.0.0 ${parsed.size} octets received`);
        return resume();
      }
      tx.stream.end();
      // from here on the client waits for us (smtp-server's idle timeout knows this from _dataStream)
      this._dataStream = tx.stream;
      void tx.verdict.then(({ err, message }) => {
        this._dataStream = false;
        transactions.delete(envelope);
        if (err) this.send(err.responseCode || 450, err.message);
        else this.send(250, typeof message === 'string' ? message : 'OK: message queued', 'DATA_OK');
        this._transactionCounter++;
        this._unrecognizedCommands = 0;
        this._resetSession();
        resume();
      });
    });
  };
}

function begin(conn: Connection, envelope: object): Transaction {
  const stream = new PassThrough({ highWaterMark: 256 * 1024 });
  let settle!: Transaction['verdict'] extends Promise<infer T> ? (v: T) => void : never;
  const verdict = new Promise<{ err?: (Error & { responseCode?: number }) | null; message?: unknown }>((resolve) => (settle = resolve));
  const onClose = () => tx.abort();
  const tx: Transaction = {
    stream,
    bytes: 0,
    verdict,
    abort: () => {
      conn._socket.off('close', onClose);
      transactions.delete(envelope);
      if (!stream.writableEnded && !stream.destroyed) stream.destroy();
    },
  };
  conn._socket.once('close', onClose);
  stream.once('end', () => conn._socket.off('close', onClose));
  transactions.set(envelope, tx);
  conn._server.onData(stream, conn.session, (err, message) => settle({ err, message }));
  return tx;
}

/**
 * Reads `size` octets that follow the command into the transaction's stream (or nowhere, for a
 * refused command), with the parser's data mode borrowed for it; `then` runs once they are in, with
 * a function that lets the parser go on to the next command.
 */
function readChunk(conn: Connection, size: number, tx: Transaction | undefined, callback: () => void, then: (resume: () => void) => void): void {
  const parser = conn._parser;
  if (!parser) return callback();
  if (size === 0) return then(callback);
  let remaining = size;
  parser._dataMode = true;
  parser._feedDataStream = (chunk, done) => {
    const take = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
    const rest = chunk.subarray(take.length);
    remaining -= take.length;
    let drained = true;
    if (tx && take.length && tx.stream.writable) {
      tx.bytes += take.length;
      drained = tx.stream.write(take);
    }
    if (remaining > 0) {
      if (drained || !tx) return done();
      const go = () => {
        tx.stream.off('drain', go);
        tx.stream.off('close', go);
        done();
      };
      tx.stream.once('drain', go);
      tx.stream.once('close', go);
      return;
    }
    delete parser._feedDataStream;
    parser._dataMode = false;
    then(() => parser._write(rest, 'buffer', done));
  };
  // the parser feeds what it already holds after the command line, then the socket's next bytes
  callback();
}
