import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { BlobStore } from '@mail/blob';
import type { Logger } from '@mail/telemetry';
import {
  CommandReader,
  compressSequenceSet,
  continuation,
  decodeMailboxName,
  flagList,
  mailboxName,
  tagged,
  toRanges,
  untagged,
  type AppendHeader,
  type ImapCommand,
  type ImapParseError,
  type ReaderEvent,
} from '@mail/imap-protocol';
import type { AuthPort } from '../ports/auth.port.js';
import type { ChangeFeedPort, ChangeSubscription, MailboxChangedEvent } from '../ports/change-feed.port.js';
import type { MailStorePort } from '../ports/mail-store.port.js';
import { AppendUpload } from './append-upload.js';
import { authAllowed, capabilities } from './capabilities.js';
import { FetchCommand } from './fetch-command.js';
import { listLines, normalizeMailboxName } from './mailbox-list.js';
import { MailboxView, type ViewUpdate } from './mailbox-view.js';
import { bad, no, ok, ReplyError, replyForError, type Reply } from './reply.js';
import { toSearchCriterion } from './search-translate.js';
import { ConnectionClosedError, SocketOutput } from './socket-output.js';

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
  /** autologout (RFC 3501 5.4: at least 30 minutes once authenticated) */
  idleTimeoutMs: number;
  /** before authentication a silent client is dropped sooner */
  loginTimeoutMs: number;
  authFailureDelayMs: number;
  maxAuthFailures: number;
  maxCommandSize: number;
  maxAppendSize: number;
  onClose(session: ImapSession): void;
}

const SYSTEM_FLAGS = new Map(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'].map((f) => [f.toLowerCase(), f]));
const FLAGS_LINE = '(\\Answered \\Flagged \\Deleted \\Seen \\Draft)';
/** the contract's cap on UID ranges per request */
const MAX_RANGES = 10_000;

/** Commands during which EXPUNGE must not be sent (RFC 3501 7.4.1): their answers use sequence numbers. */
function expungeAllowedAfter(cmd: ImapCommand): boolean {
  if (cmd.name === 'FETCH' || cmd.name === 'STORE' || cmd.name === 'SEARCH') return cmd.uid;
  return true;
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * One IMAP connection (RFC 3501 with IMAP4rev2-era extensions): a state machine over a
 * CommandReader, the mail store port and the blob store. Commands run one at a time; change
 * events are applied between commands, or pushed at once while the client IDLEs.
 */
export class ImapSession {
  readonly id = randomUUID();
  state: ImapState = 'not-authenticated';
  private readonly out: SocketOutput;
  private readonly reader: CommandReader;
  private readonly logger: Logger;
  private socket: Socket;
  private secure: boolean;
  private user: { accountId: string; address: string } | null = null;
  private view: MailboxView | null = null;
  private pending = false;
  /** the highest modseq a change event announced for the selected mailbox */
  private announcedModseq = 0;
  private changeSub: ChangeSubscription | null = null;
  private idleTag: string | null = null;
  private saslTag: string | null = null;
  private upload: AppendUpload | null = null;
  private authFailures = 0;
  private pumping = false;
  private chain: Promise<unknown> = Promise.resolve();
  private shuttingDown = false;
  private resolveClosed!: () => void;
  /** resolves when the connection is gone */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(
    socket: Socket,
    secure: boolean,
    private readonly ctx: ImapSessionContext,
  ) {
    this.socket = socket;
    this.secure = secure;
    this.out = new SocketOutput(socket);
    this.reader = new CommandReader({ maxCommandSize: ctx.maxCommandSize, maxLiteralSize: ctx.maxAppendSize });
    this.logger = ctx.logger.child({ session: this.id, remote: socket.remoteAddress });
  }

  start(): void {
    // responses are many small writes; waiting for ACKs (Nagle) would stall every round trip
    this.socket.setNoDelay(true);
    this.attach(this.socket);
    this.socket.once('close', () => void this.onClosed());
    void this.out.send(untagged(`OK [CAPABILITY ${this.capabilities()}] IMAP4rev1 server ready`)).catch(() => undefined);
  }

  /** Graceful shutdown: an idle session is told BYE at once, a busy one after its command. */
  shutdown(): void {
    this.shuttingDown = true;
    void this.exclusive(async () => {
      await this.out.send(untagged('BYE Server shutting down')).catch(() => undefined);
      this.socket.end();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      this.kick();
    });
    socket.on('error', (err) => this.logger.debug({ err: err.message }, 'IMAP socket error'));
    socket.setTimeout(this.state === 'not-authenticated' ? this.ctx.loginTimeoutMs : this.ctx.idleTimeoutMs);
    socket.on('timeout', () => {
      void this.exclusive(async () => {
        await this.out.send(untagged('BYE Autologout; idle for too long')).catch(() => undefined);
        socket.end();
        socket.destroySoon?.();
      });
    });
  }

  private capabilities(): string {
    return capabilities({
      authenticated: this.user !== null,
      secure: this.secure,
      tlsAvailable: !!this.ctx.secureContext,
      allowPlaintextAuth: this.ctx.allowPlaintextAuth,
      maxAppendSize: this.ctx.maxAppendSize,
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
        socket.pause();
        await this.exclusive(() => this.handleEvent(ev));
        if (this.socket !== socket) return; // STARTTLS swapped the transport
      }
    } catch (err) {
      if (!(err instanceof ConnectionClosedError)) this.logger.error({ err }, 'IMAP session failed');
      this.socket.destroy();
    } finally {
      this.pumping = false;
      if (!this.out.closed && this.state !== 'logout') {
        this.socket.resume();
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
        return this.appendStart(ev.append);
      case 'append-data':
        if (this.upload) await this.upload.write(ev.data);
        return;
      case 'append-end':
        return this.appendEnd(ev.error);
      case 'line':
        return this.rawLine(ev.text);
    }
  }

  private async parseError(error: ImapParseError): Promise<void> {
    if (error.fatal) {
      await this.out.send(untagged(`BYE ${error.message}`));
      this.state = 'logout';
      this.socket.end();
      return;
    }
    if (this.upload) {
      await this.upload.abort();
      this.upload = null;
    }
    const status = error.code === 'TOOBIG' ? 'NO' : 'BAD';
    await this.out.send(error.tag ? tagged(error.tag, status, error.message, error.code) : untagged(`BAD ${error.message}`));
  }

  private async runCommand(cmd: ImapCommand): Promise<void> {
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
    if (this.view && (this.pending || cmd.name === 'NOOP' || cmd.name === 'CHECK') && expungeAllowedAfter(cmd)) await this.refresh();
    await this.out.send(tagged(cmd.tag, reply.status, reply.text, reply.code));
    if (this.shuttingDown && this.state !== 'logout') {
      await this.out.send(untagged('BYE Server shutting down'));
      this.state = 'logout';
      this.socket.end();
    }
  }

  private dispatch(cmd: ImapCommand): Promise<Reply | null> | Reply | null {
    switch (cmd.name) {
      case 'CAPABILITY':
        return this.out.send(untagged(`CAPABILITY ${this.capabilities()}`)).then(() => ok('CAPABILITY completed'));
      case 'NOOP':
        return ok('NOOP completed');
      case 'LOGOUT':
        return this.logout(cmd.tag);
      case 'ID':
        return this.out.send(untagged('ID ("name" "mail-platform")')).then(() => ok('ID completed'));
      case 'ENABLE':
        if (!this.user) return bad('Log in first');
        // nothing here needs enabling; RFC 5161 says unknown names are ignored
        return this.out.send(untagged('ENABLED')).then(() => ok('ENABLE completed'));
      case 'STARTTLS':
        return this.startTls(cmd.tag);
      case 'LOGIN':
        return this.login(cmd.username, cmd.password);
      case 'AUTHENTICATE':
        return this.authenticate(cmd.tag, cmd.mechanism, cmd.initialResponse);
    }
    const user = this.user;
    if (!user) return bad('Log in first');
    switch (cmd.name) {
      case 'NAMESPACE':
        return this.out.send(untagged('NAMESPACE (("" "/")) NIL NIL')).then(() => ok('NAMESPACE completed'));
      case 'LIST':
      case 'LSUB':
        return this.list(user.accountId, cmd.reference, cmd.pattern, cmd.name === 'LSUB');
      case 'STATUS':
        return this.status(user.accountId, cmd.mailbox, cmd.items);
      case 'SELECT':
      case 'EXAMINE':
        return this.select(user.accountId, cmd.mailbox, cmd.name === 'EXAMINE');
      case 'CREATE':
        return this.create(user.accountId, cmd.mailbox);
      case 'DELETE':
        return this.deleteMailbox(user.accountId, cmd.mailbox);
      case 'RENAME':
        return this.rename(user.accountId, cmd.mailbox, cmd.newName);
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
        return this.subscribe(user.accountId, cmd.mailbox, cmd.name === 'SUBSCRIBE');
      case 'IDLE':
        return this.idle(cmd.tag);
      case 'CHECK':
        return ok('CHECK completed');
    }
    const view = this.view;
    if (!view) return bad('Select a mailbox first');
    switch (cmd.name) {
      case 'CLOSE':
        return this.close(user.accountId, view, true);
      case 'UNSELECT':
        return this.close(user.accountId, view, false);
      case 'EXPUNGE':
        return this.expunge(user.accountId, view, cmd.sequence ? view.select(cmd.sequence, true).map(([, uid]) => uid) : null);
      case 'FETCH':
        return new FetchCommand({ store: this.ctx.store, blobs: this.ctx.blobs, out: this.out, accountId: user.accountId, view })
          .run({ targets: view.select(cmd.sequence, cmd.uid), items: [...cmd.items], byUid: cmd.uid, changedSince: cmd.changedSince })
          .then(() => ok(`${cmd.uid ? 'UID ' : ''}FETCH completed`));
      case 'STORE':
        return this.storeFlags(user.accountId, view, cmd);
      case 'SEARCH':
        return this.search(user.accountId, view, cmd);
      case 'COPY':
      case 'MOVE':
        return this.copy(user.accountId, view, cmd);
    }
    return bad('Unknown command');
  }

  // --- not authenticated -----------------------------------------------------------------

  private async logout(tag: string): Promise<null> {
    await this.out.send(untagged('BYE Logging out'));
    await this.out.send(tagged(tag, 'OK', 'LOGOUT completed'));
    this.state = 'logout';
    this.socket.end();
    return null;
  }

  private async startTls(tag: string): Promise<Reply | null> {
    if (this.secure) return bad('Already secure');
    if (!this.ctx.secureContext) return no('TLS is not available');
    if (this.user) return bad('STARTTLS is only allowed before login');
    await this.out.send(tagged(tag, 'OK', 'Begin TLS negotiation now'));
    // anything pipelined after STARTTLS was sent in the clear and must not be acted on (CVE-2011-0411 class)
    this.reader.reset();
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('timeout');
    plain.setTimeout(0);
    const tls = new TLSSocket(plain, { isServer: true, secureContext: this.ctx.secureContext });
    tls.on('error', (err) => {
      this.logger.debug({ err: err.message }, 'STARTTLS failed');
      tls.destroy();
    });
    this.socket = tls;
    this.out.socket = tls;
    this.secure = true;
    this.attach(tls);
    return null;
  }

  private async login(username: string, password: string): Promise<Reply> {
    if (this.user) return bad('Already logged in');
    if (!authAllowed({ secure: this.secure, allowPlaintextAuth: this.ctx.allowPlaintextAuth })) {
      return no('Plaintext authentication is disabled; use STARTTLS first', 'PRIVACYREQUIRED');
    }
    return this.verify(username, password);
  }

  private async authenticate(tag: string, mechanism: string, initial: string | null): Promise<Reply | null> {
    if (this.user) return bad('Already logged in');
    if (mechanism !== 'PLAIN') return no('Unsupported authentication mechanism', 'CANNOT');
    if (!authAllowed({ secure: this.secure, allowPlaintextAuth: this.ctx.allowPlaintextAuth })) {
      return no('Plaintext authentication is disabled; use STARTTLS first', 'PRIVACYREQUIRED');
    }
    if (initial !== null) return this.saslPlain(initial);
    this.saslTag = tag;
    this.reader.expectLine();
    await this.out.send(continuation(''));
    return null;
  }

  private async saslPlain(response: string): Promise<Reply> {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(response)) return bad('Invalid base64');
    const parts = Buffer.from(response, 'base64').toString('utf8').split('\0');
    if (parts.length !== 3) return bad('Invalid PLAIN response');
    const [authzid, authcid, password] = parts as [string, string, string];
    if (authzid && authzid !== authcid) return no('Authorization identity not permitted', 'AUTHORIZATIONFAILED');
    return this.verify(authcid, password);
  }

  private async verify(username: string, password: string): Promise<Reply> {
    if (!username) return this.failedLogin();
    const res = await this.ctx.auth.verifyLogin({ username, password, protocol: 'imap', remoteAddress: this.socket.remoteAddress });
    if (!res.ok) return this.failedLogin();
    this.user = { accountId: res.accountId, address: res.address };
    this.state = 'authenticated';
    this.socket.setTimeout(this.ctx.idleTimeoutMs);
    this.logger.info({ account: res.accountId }, 'IMAP login');
    this.changeSub = await this.ctx.changes.subscribe(res.accountId, (ev) => this.onChange(ev));
    return ok('Logged in', `CAPABILITY ${this.capabilities()}`);
  }

  private async failedLogin(): Promise<Reply> {
    this.authFailures++;
    // slows down password guessing; the directory does the account-wide throttling
    await new Promise((resolve) => setTimeout(resolve, this.ctx.authFailureDelayMs));
    if (this.authFailures >= this.ctx.maxAuthFailures) {
      await this.out.send(untagged('BYE Too many failed logins'));
      this.state = 'logout';
      this.socket.end();
    }
    return no('Authentication failed', 'AUTHENTICATIONFAILED');
  }

  private async rawLine(text: string): Promise<void> {
    if (this.idleTag) {
      const tag = this.idleTag;
      this.idleTag = null;
      if (this.view && this.pending) await this.refresh();
      await this.out.send(text.trim().toUpperCase() === 'DONE' ? tagged(tag, 'OK', 'IDLE terminated') : tagged(tag, 'BAD', 'Expected DONE'));
      return;
    }
    if (this.saslTag) {
      const tag = this.saslTag;
      this.saslTag = null;
      const reply = text.trim() === '*' ? bad('Authentication cancelled') : await this.saslPlain(text.trim());
      await this.out.send(tagged(tag, reply.status, reply.text, reply.code));
      return;
    }
    await this.out.send(untagged('BAD Unexpected line'));
  }

  // --- authenticated -------------------------------------------------------------------

  private mailbox(name: string): string {
    return normalizeMailboxName(decodeMailboxName(name));
  }

  private async list(accountId: string, reference: string, pattern: string, lsub: boolean): Promise<Reply> {
    const command = lsub ? 'LSUB' : 'LIST';
    if (pattern === '' && !lsub) {
      await this.out.send(untagged('LIST (\\Noselect) "/" ""'));
      return ok('LIST completed');
    }
    const { mailboxes } = await this.ctx.store.listMailboxes({ accountId });
    for (const line of listLines(mailboxes, decodeMailboxName(reference), decodeMailboxName(pattern), lsub)) await this.out.send(line);
    return ok(`${command} completed`);
  }

  private async status(accountId: string, name: string, items: string[]): Promise<Reply> {
    const mailbox = this.mailbox(name);
    const info = await this.ctx.store.mailboxStatus({ accountId, name: mailbox });
    const values: Record<string, number> = {
      MESSAGES: info.messages,
      RECENT: 0,
      UIDNEXT: info.uidNext,
      UIDVALIDITY: info.uidValidity,
      UNSEEN: info.unseen,
      HIGHESTMODSEQ: info.highestModseq,
      SIZE: info.sizeBytes,
    };
    const parts = items.filter((i) => i in values).map((i) => `${i} ${values[i]}`);
    await this.out.send(untagged(`STATUS ${mailboxName(info.name)} (${parts.join(' ')})`));
    return ok('STATUS completed');
  }

  private async select(accountId: string, name: string, readOnly: boolean): Promise<Reply> {
    const command = readOnly ? 'EXAMINE' : 'SELECT';
    // a failed SELECT leaves no mailbox selected (RFC 3501 6.3.1)
    if (this.view) await this.deselect(true);
    const mailbox = this.mailbox(name);
    let view: MailboxView | null = null;
    let afterUid = 0;
    for (;;) {
      const page = await this.ctx.store.openMailbox({ accountId, name: mailbox, afterUid });
      view ??= new MailboxView(page.mailbox, readOnly);
      view.load(page.messages);
      if (!page.more || !page.messages.length) break;
      afterUid = page.messages[page.messages.length - 1]!.uid;
    }
    this.view = view;
    this.pending = false;
    this.announcedModseq = 0;
    this.state = 'selected';
    const keywords = [...view.keywords()];
    const flags = keywords.length ? FLAGS_LINE.slice(0, -1) + ' ' + keywords.join(' ') + ')' : FLAGS_LINE;
    let text = untagged(`FLAGS ${flags}`);
    text += untagged(`OK [PERMANENTFLAGS ${readOnly ? '()' : flags.slice(0, -1) + ' \\*)'}] Flags permitted`);
    text += untagged(`${view.exists} EXISTS`);
    text += untagged('0 RECENT');
    text += untagged(`OK [UIDVALIDITY ${view.uidValidity}] UIDs valid`);
    text += untagged(`OK [UIDNEXT ${view.uidNext}] Predicted next UID`);
    text += untagged(`OK [HIGHESTMODSEQ ${view.modseq}] Highest`);
    await this.out.send(text);
    return ok(`${command} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
  }

  private async deselect(closedCode: boolean): Promise<void> {
    this.view = null;
    this.pending = false;
    this.announcedModseq = 0;
    this.state = 'authenticated';
    if (closedCode) await this.out.send(untagged('OK [CLOSED] Previous mailbox closed'));
  }

  private async create(accountId: string, name: string): Promise<Reply> {
    const mailbox = this.mailbox(name);
    if (mailbox === 'INBOX') return no('INBOX always exists', 'ALREADYEXISTS');
    await this.ctx.store.createMailbox({ accountId, name: mailbox });
    return ok('CREATE completed');
  }

  private async deleteMailbox(accountId: string, name: string): Promise<Reply> {
    const mailbox = this.mailbox(name);
    if (mailbox === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    if (this.view?.name === mailbox) await this.deselect(false);
    await this.ctx.store.deleteMailbox({ accountId, name: mailbox });
    return ok('DELETE completed');
  }

  private async rename(accountId: string, from: string, to: string): Promise<Reply> {
    const target = this.mailbox(to);
    if (target === 'INBOX') return no('Cannot rename to INBOX', 'ALREADYEXISTS');
    await this.ctx.store.renameMailbox({ accountId, name: this.mailbox(from), newName: target });
    return ok('RENAME completed');
  }

  private async subscribe(accountId: string, name: string, subscribed: boolean): Promise<Reply> {
    await this.ctx.store.subscribeMailbox({ accountId, name: this.mailbox(name), subscribed });
    return ok(`${subscribed ? 'SUBSCRIBE' : 'UNSUBSCRIBE'} completed`);
  }

  private async idle(tag: string): Promise<null> {
    this.idleTag = tag;
    this.reader.expectLine();
    await this.out.send(continuation('idling'));
    if (this.view && this.pending) await this.refresh();
    return null;
  }

  private onChange(ev: MailboxChangedEvent): void {
    if (!this.view || ev.mailboxId !== this.view.mailboxId) return;
    this.announcedModseq = Math.max(this.announcedModseq, ev.modseq);
    if (ev.modseq <= this.view.modseq && ev.kind !== 'expunged') return;
    this.pending = true;
    if (this.idleTag) void this.exclusive(() => (this.idleTag && this.pending ? this.catchUp(ev) : Promise.resolve())).catch(() => this.socket.destroy());
  }

  /**
   * In IDLE: new messages that an `appended` event lists are added to the view from the event when
   * they directly follow it (no store round trip per delivery for every idling client); anything
   * else, or anything announced beyond them, is asked of the store.
   */
  private async catchUp(ev: MailboxChangedEvent): Promise<void> {
    const view = this.view;
    const update = view && ev.mailboxId === view.mailboxId && ev.appended ? view.appendedHere(ev.appended) : null;
    if (!view || !update) return this.refresh();
    this.pending = this.announcedModseq > view.modseq;
    await this.out.send(untagged(`${update.exists} EXISTS`));
    if (this.pending) await this.refresh();
  }

  /** Asks the store what changed since the view's MODSEQ and tells the client. */
  private async refresh(): Promise<void> {
    const view = this.view;
    if (!view || !this.user) return;
    this.pending = false;
    let update: ViewUpdate;
    try {
      const changes = await this.ctx.store.mailboxChanges({ accountId: this.user.accountId, mailboxId: view.mailboxId, sinceModseq: view.modseq });
      update = view.apply(changes);
    } catch (err) {
      this.logger.warn({ err }, 'could not load mailbox changes');
      return;
    }
    let text = '';
    for (const seq of update.expunged) text += untagged(`${seq} EXPUNGE`);
    if (update.exists !== null) text += untagged(`${update.exists} EXISTS`);
    for (const [seq, uid, flags] of update.flagChanges) text += untagged(`${seq} FETCH (UID ${uid} FLAGS ${flagList(flags)})`);
    if (text) await this.out.send(text);
  }

  // --- selected ------------------------------------------------------------------------

  private async close(accountId: string, view: MailboxView, expunge: boolean): Promise<Reply> {
    if (expunge && !view.readOnly) {
      await this.ctx.store.expungeMessages({ accountId, mailboxId: view.mailboxId, onlyDeleted: true });
    }
    await this.deselect(false);
    return ok(expunge ? 'CLOSE completed' : 'UNSELECT completed');
  }

  private async expunge(accountId: string, view: MailboxView, uids: number[] | null): Promise<Reply> {
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const expunged: number[] = [];
    if (uids === null) {
      const res = await this.ctx.store.expungeMessages({ accountId, mailboxId: view.mailboxId, onlyDeleted: true });
      expunged.push(...res.expunged);
    } else {
      for (const ranges of chunks(toRanges(uids), MAX_RANGES)) {
        const res = await this.ctx.store.expungeMessages({ accountId, mailboxId: view.mailboxId, uids: ranges, onlyDeleted: true });
        expunged.push(...res.expunged);
      }
    }
    await this.announceExpunge(view, expunged);
    return ok('EXPUNGE completed');
  }

  private async announceExpunge(view: MailboxView, uids: number[]): Promise<void> {
    let text = '';
    for (const seq of view.remove(uids)) text += untagged(`${seq} EXPUNGE`);
    if (text) await this.out.send(text);
  }

  private checkFlags(flags: string[]): string[] {
    return flags.map((f) => {
      if (!f.startsWith('\\')) return f;
      const known = SYSTEM_FLAGS.get(f.toLowerCase());
      if (!known) throw new ReplyError(bad(`Flag ${f.slice(0, 40)} cannot be set`));
      return known;
    });
  }

  private async storeFlags(accountId: string, view: MailboxView, cmd: Extract<ImapCommand, { name: 'STORE' }>): Promise<Reply> {
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const flags = this.checkFlags(cmd.flags);
    const targets = view.select(cmd.sequence, cmd.uid);
    const conflicts: number[] = [];
    for (const ranges of chunks(toRanges(targets.map(([, uid]) => uid)), MAX_RANGES)) {
      const res = await this.ctx.store.updateFlags({
        accountId,
        mailboxId: view.mailboxId,
        uids: ranges,
        mode: cmd.mode,
        flags,
        unchangedSince: cmd.unchangedSince ?? undefined,
      });
      for (const state of res.updated) view.setFlags(state.uid, state.flags);
      conflicts.push(...res.conflicts);
    }
    if (!cmd.silent) {
      let text = '';
      for (const [seq, uid] of targets) {
        if (!view.seqOf(uid)) continue;
        text += untagged(`${seq} FETCH (${cmd.uid ? `UID ${uid} ` : ''}FLAGS ${flagList(view.flagsOf(uid))})`);
        if (text.length > 64 * 1024) {
          await this.out.send(text);
          text = '';
        }
      }
      if (text) await this.out.send(text);
    }
    if (conflicts.length) {
      const named = cmd.uid ? conflicts : conflicts.map((u) => view.seqOf(u)).filter((s) => s > 0);
      return ok('Conditional STORE failed for some messages', `MODIFIED ${compressSequenceSet(named)}`);
    }
    return ok(`${cmd.uid ? 'UID ' : ''}STORE completed`);
  }

  private async search(accountId: string, view: MailboxView, cmd: Extract<ImapCommand, { name: 'SEARCH' }>): Promise<Reply> {
    if (cmd.charset && cmd.charset !== 'UTF-8' && cmd.charset !== 'US-ASCII') return no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
    const criteria = toSearchCriterion(cmd.criteria, view);
    const res = await this.ctx.store.searchMessages({ accountId, mailboxId: view.mailboxId, criteria });
    const numbers: number[] = [];
    for (const uid of res.uids) {
      const seq = view.seqOf(uid);
      if (seq) numbers.push(cmd.uid ? uid : seq);
    }
    numbers.sort((a, b) => a - b);
    await this.out.send(untagged(numbers.length ? `SEARCH ${numbers.join(' ')}` : 'SEARCH'));
    return ok(`${cmd.uid ? 'UID ' : ''}SEARCH completed`);
  }

  private async copy(accountId: string, view: MailboxView, cmd: Extract<ImapCommand, { name: 'COPY' | 'MOVE' }>): Promise<Reply> {
    const move = cmd.name === 'MOVE';
    if (move && view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const target = this.mailbox(cmd.mailbox);
    const uids = view.select(cmd.sequence, cmd.uid).map(([, uid]) => uid);
    const label = `${cmd.uid ? 'UID ' : ''}${cmd.name}`;
    if (!uids.length) return ok(`${label} completed (no messages)`);
    const mapping: [number, number][] = [];
    let validity = 0;
    for (const ranges of chunks(toRanges(uids), MAX_RANGES)) {
      const res = await this.ctx.store.copyMessages({ accountId, mailboxId: view.mailboxId, uids: ranges, target, move });
      validity = res.targetUidValidity;
      mapping.push(...res.mapping);
    }
    if (target === view.name) this.pending = true;
    const code = mapping.length
      ? `COPYUID ${validity} ${compressSequenceSet(mapping.map(([s]) => s), true)} ${compressSequenceSet(mapping.map(([, d]) => d), true)}`
      : null;
    if (!move) return ok(`${label} completed`, code);
    if (code) await this.out.send(untagged(`OK [${code}] Moved`));
    await this.announceExpunge(view, mapping.length ? mapping.map(([s]) => s) : uids);
    return ok(`${label} completed`);
  }

  // --- APPEND ----------------------------------------------------------------------------

  private async appendStart(header: AppendHeader): Promise<void> {
    const refuse = async (reply: Reply) => {
      this.reader.rejectLiteral();
      await this.out.send(tagged(header.tag, reply.status, reply.text, reply.code));
    };
    if (!this.user) return refuse(bad('Log in first'));
    let flags: string[];
    try {
      flags = this.checkFlags(header.flags);
    } catch (err) {
      return refuse((err as ReplyError).reply);
    }
    const mailbox = this.mailbox(header.mailbox);
    if (!header.nonSync) {
      // before the client sends a large literal: does the mailbox exist?
      try {
        await this.ctx.store.mailboxStatus({ accountId: this.user.accountId, name: mailbox });
      } catch (err) {
        return refuse(replyForError(err, true) ?? no('Internal error', 'SERVERBUG'));
      }
    }
    this.upload = new AppendUpload({ ...header, mailbox, flags }, this.ctx.blobs);
    if (!header.nonSync) await this.out.send(continuation('Ready for literal data'));
  }

  private async appendEnd(error: ImapParseError | null): Promise<void> {
    const upload = this.upload;
    this.upload = null;
    if (!upload) return;
    const tag = upload.header.tag;
    if (error || !this.user) {
      await upload.abort();
      await this.out.send(tagged(tag, 'BAD', error?.message ?? 'Log in first'));
      return;
    }
    let reply: Reply;
    try {
      const { key, size, index } = await upload.finish();
      try {
        const res = await this.ctx.store.appendMessage({
          accountId: this.user.accountId,
          mailbox: upload.header.mailbox,
          blobKey: key,
          size,
          flags: upload.header.flags,
          internalDate: upload.header.date?.toISOString(),
          index,
        });
        if (this.view && res.mailboxId === this.view.mailboxId) await this.appendedToSelected(res);
        reply = ok('APPEND completed', `APPENDUID ${res.uidValidity} ${res.uid}`);
      } catch (err) {
        await this.ctx.blobs.delete(key).catch(() => undefined);
        throw err;
      }
    } catch (err) {
      await upload.abort();
      const mapped = replyForError(err, true);
      if (!mapped) this.logger.error({ err }, 'APPEND failed');
      reply = mapped ?? no('Could not store the message, try again', 'SERVERBUG');
    }
    if (this.view && this.pending) await this.refresh();
    await this.out.send(tagged(tag, reply.status, reply.text, reply.code));
  }

  /**
   * EXISTS for our own APPEND to the selected mailbox, without a store round trip when nothing else
   * changed there meanwhile. Our own change event may have arrived first and asked for a refresh:
   * once the view holds the append, only announcements beyond it still need one (anything at or
   * below the new modseq is in the view: the append took the modseq right after the view's).
   */
  private async appendedToSelected(res: { uid: number; modseq: number; flags?: string[] }): Promise<void> {
    const view = this.view;
    if (!view) return;
    const wasPending = this.pending;
    const update = res.flags ? view.appendedHere([{ uid: res.uid, modseq: res.modseq, flags: res.flags }]) : null;
    if (!update) {
      this.pending = true;
      return;
    }
    this.pending = wasPending && this.announcedModseq > view.modseq;
    await this.out.send(untagged(`${update.exists} EXISTS`));
  }

  private async onClosed(): Promise<void> {
    this.state = 'logout';
    if (this.upload) {
      const upload = this.upload;
      this.upload = null;
      await upload.abort();
    }
    await this.changeSub?.unsubscribe().catch(() => undefined);
    this.changeSub = null;
    this.ctx.onClose(this);
    this.resolveClosed();
  }
}

