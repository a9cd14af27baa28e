import type { Logger } from '@mail/telemetry';
import type { CommandReader, ImapCommand } from '@mail/imap-protocol';
import type { AppendUpload } from './append-upload.js';
import type { NotifyWatch } from './notify-watch.js';
import type { SearchContexts } from './search-context.js';
import type { ImapSessionContext } from './imap-session.js';
import type { Reply } from './reply.js';
import type { SelectedMailbox } from './selected-mailbox.js';
import type { SocketOutput } from './socket-output.js';

export interface ImapUser {
  accountId: string;
  address: string;
}

/**
 * What a command module sees of its session: the connection's output and reader, who is logged in,
 * the selected mailbox, and the few state changes a command may make. The session implements it;
 * commands never reach the socket or the session's other internals.
 */
export interface SessionHandle {
  readonly ctx: ImapSessionContext;
  readonly out: SocketOutput;
  readonly reader: CommandReader;
  readonly logger: Logger;
  readonly secure: boolean;
  readonly remoteAddress: string | undefined;
  readonly user: ImapUser | null;
  readonly selected: SelectedMailbox | null;
  /** CONDSTORE was enabled (RFC 7162 3.1): FETCH and STORE responses carry MODSEQ */
  readonly condstore: boolean;
  enableCondstore(): void;
  /** QRESYNC was enabled (RFC 7162 3.2.3): expunges are announced as VANISHED; implies CONDSTORE */
  readonly qresync: boolean;
  enableQresync(): void;
  /** IMAP4rev2 was enabled (RFC 9051): no \\Recent, ESEARCH answers SEARCH, SELECT differs */
  readonly imap4rev2: boolean;
  enableImap4rev2(): void;
  /** mailbox names travel in UTF-8, not modified UTF-7: IMAP4rev2 or UTF8=ACCEPT (RFC 6855) was enabled */
  readonly utf8Names: boolean;
  /** UTF8=ACCEPT was enabled */
  readonly utf8Accept: boolean;
  enableUtf8Accept(): void;
  /** the APPEND literal on its way in, if any */
  upload: AppendUpload | null;
  authFailures: number;
  /** CAPABILITY for the connection's current state */
  capabilities(): string;
  /** binds the session to an account once its credentials were accepted; false when the per-user limit refuses it */
  loggedIn(user: ImapUser): Promise<boolean>;
  select(mailbox: SelectedMailbox): void;
  /** also receives the change events of another account (the owner of a shared mailbox), until the next one or the end */
  follow(accountId: string | undefined): Promise<void>;
  /** leaves the selected state; `closedCode` sends `OK [CLOSED]` (RFC 7162 3.2.11) */
  deselect(closedCode: boolean): Promise<void>;
  /** sends `BYE text` when given and ends the connection */
  end(bye?: string): Promise<void>;
  /** swaps the transport for TLS; called after STARTTLS's tagged OK went out */
  upgradeToTls(): void;
  /** COMPRESS=DEFLATE is active */
  readonly compressed: boolean;
  /** deflates both directions from now on; called after COMPRESS's tagged OK went out */
  compress(): void;
  /** the client's next line goes to `handler` (IDLE's DONE, an AUTHENTICATE response) */
  awaitLine(handler: (text: string) => Promise<void>, idling: boolean): void;
  /** tells the client what changed in the selected mailbox, if anything did */
  synchronise(): Promise<void>;
  /** what NOTIFY (RFC 5465) watches, if it is on */
  readonly notify: NotifyWatch | null;
  /** replaces the NOTIFY watch (null: NOTIFY NONE), stopping the previous one */
  setNotify(watch: NotifyWatch | null): Promise<void>;
  /** NOTIFY queued something: send it as soon as no command is in progress */
  wakeNotify(): void;
  /** the SEARCH UPDATE contexts of the selected mailbox (RFC 5267 4.3); call only with a mailbox selected */
  searchContexts(): SearchContexts;
  /** ESEARCH ADDTO/REMOVEFROM for the open UPDATE contexts, if anything changed (commands that end outside the dispatcher: APPEND) */
  updateSearchContexts(): Promise<void>;
}

/** What a command completes with: a tagged reply, or null when it answers later (IDLE, AUTHENTICATE). */
export type Outcome = Promise<Reply | null> | Reply | null;

/** the command of that name (or names), as the parser gives it */
export type Command<N extends ImapCommand['name']> = ImapCommand & { name: N };

/** A command module: the state it needs (RFC 3501 3) and what it does. */
export type CommandSpec<C> =
  | { state: 'any'; run(s: SessionHandle, cmd: C): Outcome }
  | { state: 'authenticated'; run(s: SessionHandle, cmd: C, user: ImapUser): Outcome }
  | { state: 'selected'; run(s: SessionHandle, cmd: C, user: ImapUser, mailbox: SelectedMailbox): Outcome };

export type CommandTable = { [N in ImapCommand['name']]: CommandSpec<Command<N>> };
