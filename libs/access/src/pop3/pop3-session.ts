import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { serverHandshake } from '../tls-handshake.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import type { BlobStore } from '@mail/blob';
import type { LeaseStore } from '@mail/bus';
import { paceCommand, type TokenBucket } from '@mail/limits';
import type { Logger } from '@mail/telemetry';
import {
  DotStuffer,
  MAX_AUTH_LINE,
  Pop3LineReader,
  TopLimiter,
  decodeSaslPlain,
  errResponse,
  multilineResponse,
  okResponse,
  parsePop3Command,
  parseSaslContinuation,
  saslContinuation,
  type Pop3Command,
  type Pop3LineEvent,
} from '@mail/pop3-protocol';
import { pop3Capabilities } from './pop3-capabilities.js';
import { Pop3MaildropView } from './pop3-maildrop-view.js';
import type { Pop3Backend, Pop3Identity } from './pop3-maildrop.port.js';
import { waitForDrain, writeWithBackpressure } from '../socket-write.js';
import { ReadAhead } from '../read-ahead.js';
import { readBlob } from '../read-whole.js';
import { recordCommand, sessionClosed, sessionOpened } from '../access-metrics.js';

/**
 * Clients retrieve their maildrop in order, one RETR after the other: the next messages are read
 * from the blob store while one is sent, so each RETR finds its body in memory rather than waiting
 * for a round trip. Only messages up to RETR_READ_AHEAD_MAX_BYTES are read ahead (larger ones
 * stream when asked for), and RETR_READ_AHEAD_BYTES bounds what a session holds at once.
 */
const RETR_READ_AHEAD = 8;
const RETR_READ_AHEAD_MAX_BYTES = 64 * 1024;
const RETR_READ_AHEAD_BYTES = 512 * 1024;

export type Pop3State = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE' | 'CLOSED';

/** What every session of one server shares. */
export interface Pop3SessionContext {
  backend: Pop3Backend;
  blobs: BlobStore;
  leases: LeaseStore;
  logger: Logger;
  allowPlaintextAuth: boolean;
  /** STLS is offered when set */
  secureContext?: SecureContext;
  /** how long a STARTTLS/STLS handshake may take (default: the TLS policy's 10 s) */
  tlsHandshakeTimeoutMs?: number;
  idleTimeoutMs: number;
  authFailureDelayMs: number;
  maxAuthFailures: number;
  leaseTtlMs: number;
  implementation: string;
  /** the command-rate bucket for a session from this address, if it gets one (docs/security.md) */
  commandPacer?: (remoteAddress: string | undefined) => TokenBucket | undefined;
  onClose(session: Pop3Session): void;
}

/** A client flooding commands faster than we answer is paused beyond this many queued lines. */
const MAX_QUEUED_LINES = 64;
/** Consecutive syntax errors tolerated before the client is considered broken or hostile. */
const MAX_CONSECUTIVE_ERRORS = 20;

export function maildropLeaseKey(accountId: string): string {
  return `pop3:maildrop:${accountId}`;
}

/**
 * One POP3 connection (RFC 1939 states AUTHORIZATION -> TRANSACTION -> UPDATE). Commands are run
 * strictly one at a time in arrival order, which is what PIPELINING (RFC 2449) asks for.
 */
export class Pop3Session {
  readonly id = randomUUID();
  private state: Pop3State = 'AUTHORIZATION';
  private socket: Socket;
  private secure: boolean;
  private reader = new Pop3LineReader(MAX_AUTH_LINE);
  private queue: Pop3LineEvent[] = [];
  private running = false;
  private ending = false;
  private shuttingDown = false;
  private pendingUser: string | undefined;
  private awaitingSasl = false;
  private authFailures = 0;
  private consecutiveErrors = 0;
  /** 'ok' or 'err' once the running command answered, for its metric */
  private commandResult: 'ok' | 'err' | null = null;
  /** the maildrop a login opened (TRANSACTION and UPDATE states), and whose it is */
  private open: { identity: Pop3Identity; view: Pop3MaildropView } | undefined;
  /** clients retrieve their maildrop in order: the next small messages are read while one is sent */
  private ahead: ReadAhead<Buffer> | undefined;
  private lease: string | undefined;
  /** set while the UPDATE state deletes: the lock must outlive a client that hangs up after QUIT */
  private updateDone: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly pacer: TokenBucket | undefined;
  private resolveClosed!: () => void;
  /** settles once the connection is gone and the maildrop lock is released */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(
    socket: Socket,
    secure: boolean,
    private readonly ctx: Pop3SessionContext,
    /** the client a PROXY header named; by default the socket's peer */
    private readonly clientAddress: string | undefined = socket.remoteAddress,
  ) {
    this.socket = socket;
    this.secure = secure;
    this.log = ctx.logger.child({ session: this.id, remote: clientAddress });
    this.pacer = ctx.commandPacer?.(clientAddress);
  }

  get currentState(): Pop3State {
    return this.state;
  }

  /** the maildrop lease this session holds, for the server's shared renewal timer */
  get heldLease(): string | undefined {
    return this.lease;
  }

  start(): void {
    sessionOpened('pop3');
    this.attach(this.socket);
    this.socket.on('close', this.onClose);
    this.send(okResponse('POP3 server ready'));
  }

  /** Graceful stop: let a running command (a RETR, the UPDATE state) finish, then say goodbye. */
  shutdown(): void {
    this.shuttingDown = true;
    if (!this.running) this.closeForShutdown();
  }

  /** Immediate stop (shutdown grace expired, lease lost): nothing is deleted. */
  /** logged in (the listener's pre-login deadline no longer applies) */
  get authenticated(): boolean {
    return this.open !== undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private attach(socket: Socket): void {
    // replies are whole lines or large body chunks: Nagle would only add delayed-ACK stalls between them
    socket.setNoDelay(true);
    socket.setTimeout(this.ctx.idleTimeoutMs);
    socket.on('data', this.onData);
    socket.on('timeout', this.onTimeout);
    socket.on('error', this.onError);
  }

  private readonly onData = (chunk: Buffer) => {
    if (this.ending) return;
    for (const event of this.reader.push(chunk)) this.queue.push(event);
    if (this.queue.length > MAX_QUEUED_LINES) this.socket.pause();
    void this.drain();
  };

  private readonly onTimeout = () => {
    this.log.info('autologout');
    if (this.ending) return this.socket.destroy();
    this.end(errResponse('autologout: idle for too long'));
    // a client that does not read either would keep the socket forever
    this.socket.setTimeout(10_000, () => this.socket.destroy());
  };

  private readonly onError = (err: Error) => {
    this.log.debug({ err: err.message }, 'socket error');
  };

  private readonly onClose = () => {
    // reads started for RETRs that will never come
    this.ahead?.close();
    if (this.state === 'CLOSED') return;
    sessionClosed('pop3');
    const release = this.state === 'UPDATE' && this.updateDone ? this.updateDone : this.releaseLease();
    this.state = 'CLOSED';
    this.queue = [];
    void release.finally(() => {
      this.ctx.onClose(this);
      this.resolveClosed();
    });
  };

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0 && this.state !== 'CLOSED' && !this.ending) {
        await paceCommand(this.pacer, 'pop3');
        const cmd = this.queue.shift();
        if (cmd === undefined) break;
        await this.handle(cmd);
        if (this.socket.writableNeedDrain) await waitForDrain(this.socket);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'session aborted');
      this.socket.destroy();
    } finally {
      this.running = false;
    }
    if (this.state === 'CLOSED' || this.ending) return;
    if (this.shuttingDown) return this.closeForShutdown();
    if (this.socket.isPaused()) this.socket.resume();
  }

  private closeForShutdown(): void {
    if (this.ending || this.state === 'CLOSED') return;
    this.end(errResponse('server shutting down', 'SYS/TEMP'));
  }

  private send(text: string): void {
    // a command's result is its first status line (a RETR's +OK, then the message)
    this.commandResult ??= text.startsWith('-ERR') ? 'err' : 'ok';
    if (this.ending || this.socket.destroyed) return;
    this.socket.write(text);
  }

  private end(text: string): void {
    if (this.ending || this.socket.destroyed) return;
    this.ending = true;
    this.queue = [];
    this.socket.end(text);
    // keep reading (and discarding) so that the client's FIN is seen and the socket closes
    this.socket.resume();
  }

  private async handle(event: Pop3LineEvent): Promise<void> {
    if (event.kind === 'too-long') {
      if (this.awaitingSasl) {
        this.awaitingSasl = false;
        return this.send(errResponse('authentication exchange too long', 'AUTH'));
      }
      return this.syntaxError('line too long');
    }
    if (this.awaitingSasl) return this.onSaslLine(event.line);
    const parsed = parsePop3Command(event.line);
    if (!parsed.ok) return this.syntaxError(parsed.error.message);
    this.consecutiveErrors = 0;
    const started = performance.now();
    this.commandResult = null;
    await this.dispatch(parsed.command);
    recordCommand('pop3', parsed.command.name, this.commandResult ?? 'ok', (performance.now() - started) / 1000);
  }

  private syntaxError(message: string): void {
    if (++this.consecutiveErrors > MAX_CONSECUTIVE_ERRORS) return this.end(errResponse('too many errors, closing'));
    this.send(errResponse(message));
  }

  private get plaintextAllowed(): boolean {
    return this.secure || this.ctx.allowPlaintextAuth;
  }

  private async dispatch(cmd: Pop3Command): Promise<void> {
    switch (cmd.name) {
      case 'CAPA':
        return this.send(
          multilineResponse(
            'capability list follows',
            pop3Capabilities({
              authorization: this.state === 'AUTHORIZATION',
              plaintextAuthAllowed: this.plaintextAllowed,
              stlsAvailable: this.ctx.secureContext !== undefined && !this.secure,
              implementation: this.ctx.implementation,
            }),
          ),
        );
      case 'QUIT':
        return this.quit();
      case 'NOOP':
        if (this.state !== 'TRANSACTION') return this.wrongState();
        return this.send(okResponse());
    }
    if (this.state === 'AUTHORIZATION') {
      switch (cmd.name) {
        case 'STLS':
          return this.startTls();
        case 'USER':
          if (!this.plaintextAllowed) return this.refusePlaintext();
          this.pendingUser = cmd.user;
          return this.send(okResponse('send PASS'));
        case 'PASS': {
          if (!this.plaintextAllowed) return this.refusePlaintext();
          const user = this.pendingUser;
          this.pendingUser = undefined;
          if (user === undefined) return this.send(errResponse('send USER first'));
          return this.login(user, cmd.password);
        }
        case 'AUTH':
          return this.auth(cmd.mechanism, cmd.initialResponse);
        default:
          return this.wrongState();
      }
    }
    if (!this.open) return this.wrongState();
    const { view } = this.open;
    switch (cmd.name) {
      case 'STAT': {
        const { count, size } = view.stat();
        return this.send(okResponse(`${count} ${size}`));
      }
      case 'LIST':
      case 'UIDL': {
        const field = (m: { size: number; uidl: string }) => (cmd.name === 'LIST' ? String(m.size) : m.uidl);
        if (cmd.msg !== undefined) {
          const m = view.get(cmd.msg);
          return this.send(m ? okResponse(`${cmd.msg} ${field(m)}`) : this.noSuchMessage(cmd.msg));
        }
        const lines: string[] = [];
        for (const [n, m] of view.entries()) lines.push(`${n} ${field(m)}`);
        const { count, size } = view.stat();
        return this.send(multilineResponse(cmd.name === 'LIST' ? `${count} messages (${size} octets)` : 'unique-id listing follows', lines));
      }
      case 'DELE':
        if (!view.markDeleted(cmd.msg)) return this.send(this.noSuchMessage(cmd.msg));
        return this.send(okResponse(`message ${cmd.msg} deleted`));
      case 'RSET': {
        view.reset();
        const { count, size } = view.stat();
        return this.send(okResponse(`maildrop has ${count} messages (${size} octets)`));
      }
      case 'RETR':
        return this.sendMessage(view, cmd.msg);
      case 'TOP':
        return this.sendMessage(view, cmd.msg, cmd.lines);
      default:
        return this.wrongState();
    }
  }

  private wrongState(): void {
    this.send(errResponse('command not valid in this state'));
  }

  private noSuchMessage(msg: number): string {
    return errResponse(this.open?.view.isDeleted(msg) ? `message ${msg} already deleted` : 'no such message');
  }

  private refusePlaintext(): void {
    this.pendingUser = undefined;
    this.send(errResponse('plaintext authentication needs an encrypted connection; use STLS', 'AUTH'));
  }

  private startTls(): void {
    if (!this.ctx.secureContext || this.secure) return this.send(errResponse('STLS not available'));
    const raw = this.socket;
    raw.write(okResponse('begin TLS negotiation'));
    // anything the client pipelined after STLS was sent in the clear: drop it (RFC 2595 §4, RFC 3207 §4.2 style injection)
    this.queue = [];
    this.reader = new Pop3LineReader(MAX_AUTH_LINE);
    this.pendingUser = undefined;
    raw.off('data', this.onData);
    raw.off('timeout', this.onTimeout);
    raw.setTimeout(0);
    const tlsSocket = serverHandshake(raw, {
      protocol: 'pop3',
      secureContext: this.ctx.secureContext,
      logger: this.log,
      timeoutMs: this.ctx.tlsHandshakeTimeoutMs,
      onSecure: () => {
        this.secure = true;
        this.log.debug('TLS established');
      },
    });
    this.socket = tlsSocket;
    this.attach(tlsSocket);
    tlsSocket.on('close', this.onClose);
  }

  private async auth(mechanism: string | undefined, initialResponse: string | undefined): Promise<void> {
    if (!this.plaintextAllowed) return this.refusePlaintext();
    if (mechanism === undefined) return this.send(multilineResponse('SASL mechanisms follow', ['PLAIN']));
    if (mechanism !== 'PLAIN') return this.send(errResponse('unsupported SASL mechanism'));
    if (initialResponse === undefined) {
      this.awaitingSasl = true;
      return this.send(saslContinuation());
    }
    return this.saslPlain(initialResponse === '=' ? Buffer.alloc(0) : Buffer.from(initialResponse, 'base64'));
  }

  private async onSaslLine(line: Buffer): Promise<void> {
    this.awaitingSasl = false;
    const reply = parseSaslContinuation(line);
    if (reply.kind === 'cancel') return this.send(errResponse('authentication cancelled', 'AUTH'));
    if (reply.kind === 'invalid') return this.send(errResponse('invalid base64 in SASL response', 'AUTH'));
    return this.saslPlain(reply.data);
  }

  private async saslPlain(message: Buffer): Promise<void> {
    const creds = decodeSaslPlain(message);
    if (!creds) return this.send(errResponse('malformed PLAIN credentials', 'AUTH'));
    // no proxy authorization: logging in as someone else is not offered
    if (creds.authzid !== '' && creds.authzid !== creds.authcid) return this.loginFailed('authorization identity not allowed');
    return this.login(creds.authcid, creds.password);
  }

  private async login(username: string, password: string): Promise<void> {
    let identity: Pop3Identity | null;
    try {
      identity = await this.ctx.backend.verifyLogin(username, password, this.clientAddress);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'login check failed');
      return this.send(errResponse('authentication temporarily unavailable', 'SYS/TEMP'));
    }
    if (!identity) {
      // no user name: people type their password into it (the directory logs a hash of it)
      this.log.info('login failed');
      return this.loginFailed('invalid credentials');
    }

    const key = maildropLeaseKey(identity.accountId);
    let acquired: boolean;
    try {
      acquired = await this.ctx.leases.acquire(key, this.id, this.ctx.leaseTtlMs);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'maildrop lock failed');
      return this.send(errResponse('maildrop lock unavailable', 'SYS/TEMP'));
    }
    if (!acquired) return this.send(errResponse('maildrop already locked', 'IN-USE'));
    this.lease = key;
    if (this.socket.destroyed) return this.releaseLease();

    let view: Pop3MaildropView;
    try {
      view = new Pop3MaildropView(await this.ctx.backend.openMaildrop(identity.accountId));
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'open maildrop failed');
      await this.releaseLease();
      return this.send(errResponse('unable to open maildrop', 'SYS/TEMP'));
    }
    if (this.socket.destroyed) return this.releaseLease();
    this.open = { identity, view };
    this.state = 'TRANSACTION';
    this.authFailures = 0;
    const { count, size } = view.stat();
    this.log.info({ accountId: identity.accountId, messages: count }, 'logged in');
    this.send(okResponse(`maildrop has ${count} messages (${size} octets)`));
  }

  /** RFC 1939 §13 suggests slowing down password guessing; a client that keeps failing is dropped. */
  private async loginFailed(text: string): Promise<void> {
    this.authFailures++;
    await sleep(this.ctx.authFailureDelayMs, undefined, { ref: false });
    if (this.authFailures >= this.ctx.maxAuthFailures) return this.end(errResponse('too many authentication failures', 'AUTH'));
    this.send(errResponse(text, 'AUTH'));
  }

  private async sendMessage(view: Pop3MaildropView, msg: number, topLines?: number): Promise<void> {
    const message = view.get(msg);
    if (!message) return this.send(this.noSuchMessage(msg));
    let body: Readable | Buffer;
    try {
      if (topLines === undefined) {
        this.ahead ??= this.readAhead(view);
        const early = this.ahead.take(msg, view.maildrop.messages.length);
        body = early ? await early : (this.ctx.blobs.fromMemory(message.blobKey) ?? (await this.ctx.blobs.get(message.blobKey)));
      } else {
        body = await this.ctx.blobs.get(message.blobKey);
      }
    } catch (err) {
      // the client hung up while its body was read (the read was cancelled): nobody to answer
      if (this.socket.destroyed) return;
      this.log.error({ err: (err as Error).message, blobKey: message.blobKey }, 'message body unavailable');
      return this.send(errResponse('message body unavailable', 'SYS/TEMP'));
    }
    const status = okResponse(topLines === undefined ? `${message.size} octets` : 'top of message follows');
    const stuffer = new DotStuffer();
    if (Buffer.isBuffer(body)) {
      // a body in memory (read ahead, cached) leaves in one write with its status line and terminator:
      // one socket write per RETR instead of three, and no stream around a buffer
      this.commandResult ??= 'ok';
      if (this.ending || this.socket.destroyed) return;
      return writeWithBackpressure(this.socket, Buffer.concat([Buffer.from(status), stuffer.push(body), stuffer.end()]));
    }
    this.send(status);
    const limiter = topLines === undefined ? undefined : new TopLimiter(topLines);
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        let data = chunk;
        let done = false;
        if (limiter) ({ out: data, done } = limiter.push(chunk));
        const out = stuffer.push(data);
        if (out.length > 0) await writeWithBackpressure(this.socket, out);
        if (done) break;
      }
    } finally {
      body.destroy();
    }
    await writeWithBackpressure(this.socket, stuffer.end());
  }

  /** message numbers are the items; deleted and large messages are not read ahead */
  private readAhead(view: Pop3MaildropView): ReadAhead<Buffer> {
    return new ReadAhead({
      depth: RETR_READ_AHEAD,
      maxBytes: RETR_READ_AHEAD_BYTES,
      cost: (n) => {
        const m = view.get(n);
        return m && m.size <= RETR_READ_AHEAD_MAX_BYTES ? m.size : null;
      },
      // only called for what cost() accepted, so the message is there; a miss fails that one read
      read: (n, signal) => {
        const m = view.get(n);
        return m ? readBlob(this.ctx.blobs, m.blobKey, signal) : Promise.reject(new Error(`message ${n} is not in the maildrop`));
      },
    });
  }

  private async quit(): Promise<void> {
    if (this.state !== 'TRANSACTION' || !this.open) return this.end(okResponse('bye'));
    this.state = 'UPDATE';
    this.updateDone = this.update(this.open);
    return this.updateDone;
  }

  private async update({ identity, view }: { identity: Pop3Identity; view: Pop3MaildropView }): Promise<void> {
    const uids = view.deletedUids();
    let failed = false;
    if (uids.length > 0) {
      try {
        await this.ctx.backend.deleteMessages(identity.accountId, view.maildrop.mailboxId, uids);
        this.log.info({ deleted: uids.length }, 'messages deleted');
      } catch (err) {
        failed = true;
        this.log.error({ err: (err as Error).message }, 'delete failed');
      }
    }
    await this.releaseLease();
    const left = view.stat().count;
    this.end(failed ? errResponse('some deleted messages not removed', 'SYS/TEMP') : okResponse(`bye (${left} messages left)`));
  }

  private async releaseLease(): Promise<void> {
    const key = this.lease;
    if (!key) return;
    this.lease = undefined;
    try {
      await this.ctx.leases.release(key, this.id);
    } catch (err) {
      // it expires on its own
      this.log.warn({ err: (err as Error).message }, 'maildrop unlock failed');
    }
  }
}
