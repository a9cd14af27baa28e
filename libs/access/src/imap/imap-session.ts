import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { serverHandshake } from '../tls-handshake.js';
import type { BlobStore } from '@mail/blob';
import { paceCommand, type TokenBucket } from '@mail/limits';
import type { Logger } from '@mail/telemetry';
import { byeResponse, CommandReader, continuation, okResponse, tagged, untagged, type ImapCommand, type ImapParseError, type ReaderEvent } from '@mail/imap-protocol';
import type { AuthPort } from '../ports/auth.port.js';
import type { ChangeFeedPort, ChangeSubscription, MailboxChangedEvent } from '../ports/change-feed.port.js';
import { recordCommand, sessionClosed, sessionOpened } from '../access-metrics.js';
import type { MailStorePort } from '../ports/mail-store.port.js';
import type { SharingPort } from '../ports/sharing.port.js';
import type { AppendUpload } from './append-upload.js';
import { capabilities } from './capabilities.js';
import { abortAppend, appendData, appendEnd, appendStart, COMMANDS } from './commands/index.js';
import { enablesCondstore } from './condstore.js';
import { bad, no, replyForError, type Reply } from './reply.js';
import type { SelectedMailbox } from './selected-mailbox.js';
import type { CommandSpec, ImapUser, SessionHandle } from './session-handle.js';
import { DeflateTransport } from './deflate-transport.js';
import { FetchCommand } from './fetch-command.js';
import type { NotifyWatch } from './notify-watch.js';
import { SearchContexts } from './search-context.js';
import { ConnectionClosedError, SocketOutput } from './socket-output.js';
import type { MessageMetaCache } from './message-meta-cache.js';

export type ImapState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export interface ImapSessionContext {
  store: MailStorePort;
  auth: AuthPort;
  changes: ChangeFeedPort;
  blobs: BlobStore;
  logger: Logger;
  allowPlaintextAuth: boolean;
  /** STARTTLS is offered when set */
  secureContext?: SecureContext;
  /** how long a STARTTLS/STLS handshake may take (default: the TLS policy's 10 s) */
  tlsHandshakeTimeoutMs?: number;
  /** autologout (RFC 3501 5.4: at least 30 minutes once authenticated) */
  idleTimeoutMs: number;
  /** before authentication a silent client is dropped sooner */
  loginTimeoutMs: number;
  authFailureDelayMs: number;
  maxAuthFailures: number;
  maxCommandSize: number;
  maxAppendSize: number;
  /** the command-rate bucket for a session from this address, if it gets one (docs/security.md) */
  commandPacer?: (remoteAddress: string | undefined) => TokenBucket | undefined;
  /** mailbox sharing (RFC 4314 ACL, ADR 0044) */
  sharing?: SharingPort;
  /** envelopes, sizes and internal dates FETCH has shown, for every session of the process (ADR 0079) */
  messageCache?: MessageMetaCache;
  /** counts a login against the per-user session limit; false: the account holds enough sessions */
  admitUser?(session: ImapSession, accountId: string): boolean | Promise<boolean>;
  onClose(session: ImapSession): void;
}

/** Commands during which EXPUNGE must not be sent (RFC 3501 7.4.1): their answers use sequence numbers. */
function expungeAllowedAfter(cmd: ImapCommand): boolean {
  if (cmd.name === 'FETCH' || cmd.name === 'STORE' || cmd.name === 'SEARCH' || cmd.name === 'SORT' || cmd.name === 'THREAD') return cmd.uid;
  return true;
}

/**
 * One IMAP connection: reads commands, runs them one at a time through the command table
 * (commands/, one module per command), and keeps the client in step with the selected mailbox
 * (SelectedMailbox) between commands, or at once while it IDLEs.
 */
export class ImapSession implements SessionHandle {
  readonly id = randomUUID();
  state: ImapState = 'not-authenticated';
  readonly out: SocketOutput;
  readonly reader: CommandReader;
  readonly logger: Logger;
  private socket: Socket;
  secure: boolean;
  user: ImapUser | null = null;
  selected: SelectedMailbox | null = null;
  upload: AppendUpload | null = null;
  authFailures = 0;
  condstore = false;
  /** COMPRESS=DEFLATE is active (RFC 4978) */
  compressed = false;
  /** what the session pauses while a command runs: the socket, or the inflater once compressed */
  private input: { pause(): unknown; resume(): unknown };
  qresync = false;
  imap4rev2 = false;
  utf8Accept = false;
  private changeSub: ChangeSubscription | null = null;
  /** the owner of the shared mailbox last selected, whose change events the session also takes (ADR 0044) */
  private followed: { accountId: string; sub: ChangeSubscription } | null = null;
  /** where the client's next raw line goes (IDLE's DONE, an AUTHENTICATE response) */
  private lineHandler: ((text: string) => Promise<void>) | null = null;
  private idling = false;
  /** NOTIFY SET (RFC 5465) in force */
  notify: NotifyWatch | null = null;
  private notifyWake = false;
  /** selected-delayed: an expunge of the selected mailbox waits for a command that may announce it */
  private expungeHeld = false;
  private contexts: SearchContexts | null = null;
  private pumping = false;
  private chain: Promise<unknown> = Promise.resolve();
  private shuttingDown = false;
  private readonly pacer: TokenBucket | undefined;
  private resolveClosed!: () => void;
  /** resolves when the connection is gone */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(
    socket: Socket,
    secure: boolean,
    readonly ctx: ImapSessionContext,
    /** the client a PROXY header named; by default the socket's peer */
    private readonly clientAddress: string | undefined = socket.remoteAddress,
  ) {
    this.socket = socket;
    this.input = socket;
    this.secure = secure;
    this.out = new SocketOutput(socket);
    this.reader = new CommandReader({ maxCommandSize: ctx.maxCommandSize, maxLiteralSize: ctx.maxAppendSize });
    this.logger = ctx.logger.child({ session: this.id, remote: clientAddress });
    this.pacer = ctx.commandPacer?.(clientAddress);
  }

  get remoteAddress(): string | undefined {
    return this.clientAddress;
  }

  start(): void {
    // responses are many small writes; waiting for ACKs (Nagle) would stall every round trip
    this.socket.setNoDelay(true);
    this.attach(this.socket);
    this.socket.once('close', () => void this.onClosed());
    sessionOpened('imap');
    void this.out.send(okResponse('IMAP4rev1 server ready', `CAPABILITY ${this.capabilities()}`)).catch(() => undefined);
  }

  /** Graceful shutdown: an idle session is told BYE at once, a busy one after its command. */
  shutdown(): void {
    this.shuttingDown = true;
    void this.exclusive(async () => {
      await this.out.send(byeResponse('Server shutting down')).catch(() => undefined);
      this.out.end();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  // --- SessionHandle: what commands may do ---------------------------------------------------

  capabilities(): string {
    return capabilities({
      authenticated: this.user !== null,
      secure: this.secure,
      tlsAvailable: !!this.ctx.secureContext,
      allowPlaintextAuth: this.ctx.allowPlaintextAuth,
      maxAppendSize: this.ctx.maxAppendSize,
    });
  }

  async loggedIn(user: ImapUser): Promise<boolean> {
    if (this.ctx.admitUser && !(await this.ctx.admitUser(this, user.accountId))) return false;
    this.user = user;
    this.state = 'authenticated';
    this.socket.setTimeout(this.ctx.idleTimeoutMs);
    this.logger.info({ account: user.accountId }, 'IMAP login');
    this.changeSub = await this.ctx.changes.subscribe(user.accountId, (ev) => this.onChange(ev));
    return true;
  }

  enableCondstore(): void {
    this.condstore = true;
    if (this.selected) this.selected.condstore = true;
  }

  enableQresync(): void {
    this.enableCondstore();
    this.qresync = true;
    if (this.selected) this.selected.qresync = true;
  }

  enableImap4rev2(): void {
    this.imap4rev2 = true;
  }

  enableUtf8Accept(): void {
    this.utf8Accept = true;
  }

  get utf8Names(): boolean {
    return this.imap4rev2 || this.utf8Accept;
  }

  searchContexts(): SearchContexts {
    const selected = this.selected;
    if (!selected || !this.user) throw new Error('search contexts without a selected mailbox');
    if (this.contexts?.mailbox !== selected) {
      this.contexts?.clear();
      this.contexts = new SearchContexts(this.ctx.store, this.user.accountId, selected);
    }
    return this.contexts;
  }

  /** ADDTO/REMOVEFROM for the open UPDATE contexts, if anything changed */
  async updateSearchContexts(): Promise<void> {
    const contexts = this.contexts;
    if (!contexts?.size || contexts.mailbox !== this.selected) return;
    const text = await contexts.update();
    if (text) await this.out.send(text);
  }

  select(mailbox: SelectedMailbox): void {
    this.contexts?.clear();
    this.contexts = null;
    mailbox.condstore = this.condstore;
    mailbox.qresync = this.qresync;
    mailbox.imap4rev2 = this.imap4rev2;
    this.selected = mailbox;
    this.state = 'selected';
  }

  async follow(accountId: string | undefined): Promise<void> {
    if (!accountId || accountId === this.user?.accountId || accountId === this.followed?.accountId) return;
    const previous = this.followed;
    const sub = await this.ctx.changes.subscribe(accountId, (ev) => this.onChange(ev));
    // the connection may have closed while subscribing: nothing would unsubscribe later
    if (this.state === 'logout') return void (await sub.unsubscribe().catch(() => undefined));
    this.followed = { accountId, sub };
    await previous?.sub.unsubscribe().catch(() => undefined);
  }

  async deselect(closedCode: boolean): Promise<void> {
    this.contexts?.clear();
    this.contexts = null;
    this.selected = null;
    this.state = 'authenticated';
    if (closedCode) await this.out.send(okResponse('Previous mailbox closed', 'CLOSED'));
  }

  async end(bye?: string): Promise<void> {
    if (bye) await this.out.send(byeResponse(bye));
    this.state = 'logout';
    this.out.end();
  }

  upgradeToTls(): void {
    const secureContext = this.ctx.secureContext;
    if (!secureContext) throw new Error('STARTTLS without a TLS context');
    // anything pipelined after STARTTLS was sent in the clear and must not be acted on (CVE-2011-0411 class)
    this.reader.reset();
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('timeout');
    plain.setTimeout(0);
    const tls = serverHandshake(plain, { protocol: 'imap', secureContext, logger: this.logger, timeoutMs: this.ctx.tlsHandshakeTimeoutMs });
    this.socket = tls;
    this.input = tls;
    this.out.socket = tls;
    this.secure = true;
    this.attach(tls);
  }

  compress(): void {
    // nothing may follow COMPRESS uncompressed (the client waits for the OK): drop what the reader holds
    this.reader.reset();
    this.socket.removeAllListeners('data');
    const transport = new DeflateTransport(this.socket, (chunk) => {
      this.reader.push(chunk);
      this.kick();
    });
    this.out.socket = transport.deflate;
    this.input = transport;
    this.compressed = true;
    // the socket was paused for this command, as the input then; from now on the inflater is paused instead
    this.socket.resume();
  }

  awaitLine(handler: (text: string) => Promise<void>, idling: boolean): void {
    this.lineHandler = handler;
    this.idling = idling;
    this.reader.expectLine();
  }

  async synchronise(): Promise<void> {
    if (this.selected?.hasPending) await this.sendUpdates(this.selected);
  }

  async setNotify(watch: NotifyWatch | null): Promise<void> {
    const previous = this.notify;
    this.notify = watch;
    this.expungeHeld = false;
    await previous?.stop();
    // the connection may have closed while NOTIFY SET subscribed: nothing would stop it later
    if (watch && this.state === 'logout') await watch.stop();
  }

  wakeNotify(): void {
    if (this.notifyWake) return;
    this.notifyWake = true;
    void this.exclusive(async () => {
      this.notifyWake = false;
      // within a command (an APPEND's literal, an AUTHENTICATE exchange) it waits for the command's end
      if (this.quiet()) await this.sendNotifications();
    }).catch(() => this.socket.destroy());
  }

  /** no command is in progress (IDLE aside): RFC 5465 notifications may go out */
  private quiet(): boolean {
    return this.state !== 'logout' && this.upload === null && (this.lineHandler === null || this.idling);
  }

  private async sendNotifications(): Promise<void> {
    const watch = this.notify;
    if (!watch?.hasQueued) return;
    const text = await watch.drain();
    // NOTIFICATIONOVERFLOW (RFC 5465 5.8) ended it: as after NOTIFY NONE
    if (watch.ended && this.notify === watch) this.notify = null;
    if (text) await this.out.send(text);
  }

  // --- connection ----------------------------------------------------------------------------

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      this.kick();
    });
    socket.on('error', (err) => this.logger.debug({ err: err.message }, 'IMAP socket error'));
    socket.setTimeout(this.state === 'not-authenticated' ? this.ctx.loginTimeoutMs : this.ctx.idleTimeoutMs);
    socket.on('timeout', () => {
      void this.exclusive(async () => {
        await this.out.send(byeResponse('Autologout; idle for too long')).catch(() => undefined);
        this.out.end();
        socket.destroySoon?.();
      });
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private kick(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    const socket = this.socket;
    try {
      for (;;) {
        if (this.out.closed || this.state === 'logout') return;
        const ev = this.reader.next();
        if (!ev) return;
        this.input.pause();
        if (ev.type === 'command') await paceCommand(this.pacer, 'imap');
        await this.exclusive(() => this.handleEvent(ev));
        if (this.socket !== socket) return; // STARTTLS swapped the transport
      }
    } catch (err) {
      if (!(err instanceof ConnectionClosedError)) this.logger.error({ err }, 'IMAP session failed');
      this.socket.destroy();
    } finally {
      this.pumping = false;
      if (!this.out.closed && this.state !== 'logout') {
        this.input.resume();
        // bytes that arrived during a STARTTLS swap or while the last command finished
        if (this.socket !== socket) this.kick();
      }
    }
  }

  private async handleEvent(ev: ReaderEvent): Promise<void> {
    switch (ev.type) {
      case 'command':
        return this.runCommand(ev.command);
      case 'error':
        return this.parseError(ev.error);
      case 'continue':
        return this.out.send(continuation('Ready for literal data'));
      case 'append':
        return appendStart(this, ev.append);
      case 'append-data':
        return appendData(this, ev.data);
      case 'append-end':
        return appendEnd(this, ev.error);
      case 'line':
        return this.rawLine(ev.text);
    }
  }

  private async parseError(error: ImapParseError): Promise<void> {
    if (error.fatal) {
      await this.end(error.message);
      return;
    }
    await abortAppend(this);
    const status = error.code === 'TOOBIG' ? 'NO' : 'BAD';
    await this.out.send(error.tag ? tagged(error.tag, status, error.message, error.code) : untagged(`BAD ${error.message}`));
  }

  private async runCommand(cmd: ImapCommand): Promise<void> {
    const started = performance.now();
    let reply: Reply | null;
    try {
      reply = await this.dispatch(cmd);
    } catch (err) {
      if (err instanceof ConnectionClosedError) throw err;
      reply = replyForError(err, cmd.name === 'COPY' || cmd.name === 'MOVE');
      if (!reply) {
        this.logger.error({ err, command: cmd.name }, 'IMAP command failed');
        reply = no('Internal error, try again later', 'SERVERBUG');
      }
    }
    if (!reply) return; // IDLE, AUTHENTICATE: completed later
    const selected = this.selected;
    // a poll sees every change other replicas acknowledged before it, not only those whose event
    // happened to arrive first (the event and the client's NOOP race on two sockets); a bus that
    // cannot answer leaves the poll to what has arrived
    if (selected && (cmd.name === 'NOOP' || cmd.name === 'CHECK')) await this.ctx.changes.caughtUp().catch(() => undefined);
    if (selected && (selected.hasPending || cmd.name === 'NOOP' || cmd.name === 'CHECK') && expungeAllowedAfter(cmd)) {
      this.expungeHeld = false;
      await this.sendUpdates(selected);
    }
    if (this.notify?.hasQueued) await this.sendNotifications();
    if (this.contexts?.size) await this.updateSearchContexts();
    await this.out.send(tagged(cmd.tag, reply.status, reply.text, reply.code));
    recordCommand('imap', cmd.name, reply.status.toLowerCase(), (performance.now() - started) / 1000);
    if (this.shuttingDown && this.state !== 'logout') await this.end('Server shutting down');
  }

  /** Runs a command in the state it needs (RFC 3501 3). */
  private async dispatch(cmd: ImapCommand) {
    const spec = COMMANDS[cmd.name] as CommandSpec<ImapCommand>;
    if (spec.state === 'any') return spec.run(this, cmd);
    const user = this.user;
    if (!user) return bad('Log in first');
    // RFC 7162 3.1: CONDSTORE switched on by a command in a selected mailbox also reports the
    // mailbox's HIGHESTMODSEQ (SELECT/EXAMINE send it for the mailbox they open)
    const announce = !this.condstore && enablesCondstore(cmd) && cmd.name !== 'SELECT' && cmd.name !== 'EXAMINE';
    if (!this.condstore && enablesCondstore(cmd)) this.enableCondstore();
    if (spec.state === 'authenticated') return spec.run(this, cmd, user);
    const selected = this.selected;
    if (!selected) return bad('Select a mailbox first');
    const reply = await spec.run(this, cmd, user, selected);
    if (announce && reply?.status !== 'BAD') await this.out.send(okResponse('Highest', `HIGHESTMODSEQ ${selected.view.modseq}`));
    return reply;
  }

  private async rawLine(text: string): Promise<void> {
    const handler = this.lineHandler;
    if (!handler) {
      await this.out.send(untagged('BAD Unexpected line'));
      return;
    }
    this.lineHandler = null;
    this.idling = false;
    await handler(text);
  }

  private async sendUpdates(selected: SelectedMailbox): Promise<void> {
    const text = await selected.refresh();
    if (text) await this.out.send(text);
  }

  private onChange(ev: MailboxChangedEvent): void {
    const selected = this.selected;
    // another account's events reach the watch through its own subscriptions (shared mailboxes)
    if (this.notify && ev.accountId === this.user?.accountId && ev.mailboxId !== selected?.mailboxId) this.notify.onEvent(ev);
    if (!selected?.noteChange(ev)) return;
    const watch = this.notify;
    const pushed = watch?.pushesSelected(ev) ?? false;
    if (!pushed && ev.kind === 'expunged' && watch?.selectedGroup) this.expungeHeld = true;
    if (!this.idling && !pushed) return;
    void this.exclusive(async () => {
      if (this.selected !== selected || !selected.hasPending) return;
      if (!this.idling && !(this.notify === watch && pushed && this.quiet() && !this.expungeHeld)) return;
      const lastUid = selected.view.maxUid;
      const text = await selected.catchUp(ev);
      if (text) await this.out.send(text);
      await this.updateSearchContexts();
      const fetch = this.notify?.selectedFetch;
      if (fetch && this.user) await this.fetchArrivals(selected, lastUid, fetch, this.user.accountId);
    }).catch(() => this.socket.destroy());
  }

  /** MessageNew's fetch attributes (RFC 5465 5.2): FETCH responses for the messages after `lastUid`. */
  private async fetchArrivals(selected: SelectedMailbox, lastUid: number, items: NonNullable<NotifyWatch['selectedFetch']>, accountId: string): Promise<void> {
    const view = selected.view;
    const targets: [number, number][] = [];
    for (let seq = view.exists; seq > 0; seq--) {
      const uid = view.uidAt(seq);
      if (uid === undefined || uid <= lastUid) break;
      targets.unshift([seq, uid]);
    }
    if (!targets.length) return;
    const announceKeywords = (lists: Iterable<readonly string[]>) => selected.announceKeywords(lists);
    await new FetchCommand({ store: this.ctx.store, blobs: this.ctx.blobs, out: this.out, accountId, view, announceKeywords, downgrade: !this.utf8Names }).run({ targets, items: [...items], byUid: false });
  }

  private async onClosed(): Promise<void> {
    sessionClosed('imap');
    this.state = 'logout';
    await abortAppend(this);
    await this.changeSub?.unsubscribe().catch(() => undefined);
    this.changeSub = null;
    await this.followed?.sub.unsubscribe().catch(() => undefined);
    this.followed = null;
    await this.setNotify(null);
    this.ctx.onClose(this);
    this.resolveClosed();
  }
}
