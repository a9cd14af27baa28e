import type { Readable } from 'node:stream';
import type { BlobStore } from '@mail/blob';
import type { FetchedMessage } from '@mail/contracts';
import {
  applyPartial,
  downgradeBodyStructure,
  downgradeSerializedEnvelope,
  findPart,
  flagList,
  formatDateTime,
  formatSection,
  literalHeader,
  objectIdAttribute,
  planSection,
  saveDateAttribute,
  serializeBodyStructure,
  toRanges,
  type FetchItem,
  type Section,
} from '@mail/imap-protocol';
import type { MailStorePort } from '../ports/mail-store.port.js';
import type { MailboxView } from './mailbox-view.js';
import { ConnectionClosedError, type SocketOutput } from './socket-output.js';
import { decodeTransfer, knownTransferEncoding } from '@mail/mime';
import { ReadAhead } from '../read-ahead.js';
import { no, ReplyError } from './reply.js';
import { readRange } from '../read-whole.js';
import { INLINE_LIMIT, MAX_HEADER_READ, readSection, refsOf, type SectionData } from './section-reader.js';
import type { MessageMeta, MessageMetaCache } from './message-meta-cache.js';

export interface FetchContext {
  store: MailStorePort;
  blobs: BlobStore;
  out: SocketOutput;
  accountId: string;
  view: MailboxView;
  /**
   * FLAGS/PERMANENTFLAGS to send before FETCH responses that show a keyword the client was not told
   * about yet (set by another session since the last update), '' when none is new
   */
  announceKeywords?: (flagLists: Iterable<readonly string[]>) => string;
  /**
   * the session enabled neither UTF8=ACCEPT nor IMAP4rev2: ENVELOPE, BODYSTRUCTURE and header
   * sections of messages with UTF-8 header fields are downgraded (RFC 6855 5, RFC 6857; ADR 0066)
   */
  downgrade?: boolean;
  /**
   * the process's cache of envelopes, sizes and internal dates (ADR 0079): a FETCH of only those
   * and flags is answered from it and the view, the store asked only for what it lacks
   */
  cache?: MessageMetaCache;
}

export interface FetchRequest {
  targets: [number, number][];
  items: FetchItem[];
  byUid: boolean;
  /** CONDSTORE's CHANGEDSINCE: only messages whose MODSEQ is higher */
  changedSince?: number | null;
}

const PAGE_LIGHT = 2000;
/** envelopes or body structures: the store cuts a page to its reply budget anyway (~1,000 envelopes) */
const PAGE_HEAVY = 1000;
/**
 * A FETCH answered from the cache asks the store for at most this many messages it lacks, in one
 * request, before writing; with more it takes the paged path (which fills the cache as it goes).
 */
const CACHE_MISSES_MAX = 256;
/** the items a FETCH may ask for to be answered from the cache and the view */
const CACHEABLE = new Set<FetchItem['kind']>(['UID', 'FLAGS', 'ENVELOPE', 'RFC822.SIZE', 'INTERNALDATE']);

/**
 * Messages whose small sections are read from the blob store while an earlier one is written: one
 * round trip each, so with 16 in flight a FETCH of many bodies waits for about one in sixteen.
 * What they hold is bounded by READ_AHEAD_BYTES (at most READ_AHEAD × INLINE_LIMIT anyway).
 */
const READ_AHEAD = 16;
const READ_AHEAD_BYTES = 1024 * 1024;

const WHOLE: Section = { part: [], text: null, fields: [] };
const HEADER: Section = { part: [], text: 'HEADER', fields: [] };
const TEXT: Section = { part: [], text: 'TEXT', fields: [] };

type BodyItem = Extract<FetchItem, { kind: 'BODY[]' }>;
/** what a page asks the store for besides flags, sizes and dates */
type LoadWanted = { envelope: boolean; bodyStructure: boolean; objectIds: boolean; saveDate: boolean };

/** RFC822.* are old names for body sections; one code path serves both. */
function asBodyItem(item: FetchItem): { body: BodyItem; label: string } | null {
  switch (item.kind) {
    case 'BODY[]': {
      const origin = item.partial ? `<${item.partial.start}>` : '';
      const name = item.binary === 'size' ? 'BINARY.SIZE' : item.binary ? 'BINARY' : 'BODY';
      return { body: item, label: `${name}${formatSection(item.section)}${origin}` };
    }
    case 'RFC822':
      return { body: { kind: 'BODY[]', peek: false, section: WHOLE, partial: null }, label: 'RFC822' };
    case 'RFC822.HEADER':
      return { body: { kind: 'BODY[]', peek: true, section: HEADER, partial: null }, label: 'RFC822.HEADER' };
    case 'RFC822.TEXT':
      return { body: { kind: 'BODY[]', peek: false, section: TEXT, partial: null }, label: 'RFC822.TEXT' };
    default:
      return null;
  }
}


/**
 * FETCH: flags-only requests are answered from memory; everything else costs one store request
 * per page of messages, and bodies stream from the blob store with ranged reads.
 */
export class FetchCommand {
  constructor(private readonly ctx: FetchContext) {}

  async run(req: FetchRequest): Promise<void> {
    const { items } = req;
    if (req.byUid && !items.some((i) => i.kind === 'UID')) items.unshift({ kind: 'UID' });
    const bodies = items.map(asBodyItem);
    // a share without "s" reads without marking \Seen (RFC 4314 4)
    const setsSeen = !this.ctx.view.readOnly && this.ctx.view.allows('s') && bodies.some((b) => b && !b.body.peek);
    const changedSince = req.changedSince ?? null;
    if (changedSince !== null && !items.some((i) => i.kind === 'MODSEQ')) items.push({ kind: 'MODSEQ' });
    const needStore = items.some((i) => i.kind !== 'FLAGS' && i.kind !== 'UID');
    if (!needStore) {
      this.ctx.out.startBatch();
      try {
        for (const [seq, uid] of req.targets) await this.ctx.out.send(`* ${seq} FETCH (${this.simple(items, uid, null)})\r\n`);
      } finally {
        this.ctx.out.endBatch();
      }
      return;
    }
    if (this.ctx.cache && changedSince === null && items.every((i) => CACHEABLE.has(i.kind)) && (await this.fromCache(req, items, this.ctx.cache))) return;
    const envelope = items.some((i) => i.kind === 'ENVELOPE');
    const bodyStructure = items.some((i) => i.kind === 'BODYSTRUCTURE' || i.kind === 'BODY' || (i.kind === 'BODY[]' && i.section.part.length > 0));
    const pageSize = envelope || bodyStructure ? PAGE_HEAVY : PAGE_LIGHT;
    const objectIds = items.some((i) => i.kind === 'EMAILID' || i.kind === 'THREADID');
    const saveDate = items.some((i) => i.kind === 'SAVEDATE');
    this.ctx.out.startBatch();
    try {
      await this.pages(req, items, bodies, setsSeen, changedSince, { envelope, bodyStructure, objectIds, saveDate }, pageSize);
    } finally {
      this.ctx.out.endBatch();
    }
  }

  private async pages(
    req: FetchRequest,
    items: FetchItem[],
    bodies: ({ body: BodyItem; label: string } | null)[],
    setsSeen: boolean,
    changedSince: number | null,
    want: LoadWanted,
    pageSize: number,
  ): Promise<void> {
    const readsBodies = bodies.some((b) => b !== null);
    const showsFlags = setsSeen || items.some((i) => i.kind === 'FLAGS');
    const announce = showsFlags ? this.ctx.announceKeywords : undefined;
    const pageOf = (i: number) => this.load(req.targets.slice(i, i + pageSize).map(([, uid]) => uid), want, readsBodies);
    // the next page is asked for while this one is written
    let next: Promise<FetchedMessage[]> | null = pageOf(0);
    const cache = want.envelope ? this.ctx.cache : undefined;
    for (let i = 0; next; i += pageSize) {
      const page: FetchedMessage[] = await next;
      next = i + pageSize < req.targets.length ? pageOf(i + pageSize) : null;
      next?.catch(() => undefined);
      // before the downgrade: the cache holds what the store holds
      if (cache) for (const m of page) remember(cache, this.ctx.view.mailboxId, m);
      if (setsSeen) await this.markSeen(page);
      // \Recent is this session's, not the store's
      for (const m of page) m.flags = this.ctx.view.shownFlags(m.uid, m.flags);
      if (this.ctx.downgrade) for (const m of page) downgradeFetched(m);
      // what will not be answered is left out first, so that nothing is read ahead for it
      const messages = page.filter((m) => (changedSince === null || m.modseq > changedSince) && this.ctx.view.seqOf(m.uid) > 0);
      const announcement = announce?.(messages.map((m) => m.flags));
      if (announcement) await this.ctx.out.queue(announcement);
      if (readsBodies) await this.writePage(messages, items, bodies, setsSeen);
      else await this.writeMetadataPage(messages, items);
    }
  }

  /**
   * A FETCH of flags, envelopes, sizes and internal dates only (a client's message list): the flags
   * from the view, as a FLAGS-only FETCH has them (every keyword in it was announced when the view
   * took it), the rest from the cache; what the cache lacks is asked of the store in one request.
   * False, having written nothing, when too much is missing: the paged path answers and fills the cache.
   * A message the store no longer has (expunged by another session, not yet announced) is left out,
   * as on the paged path; one the cache still holds is answered (RFC 2180 4.1 allows either).
   */
  private async fromCache(req: FetchRequest, items: FetchItem[], cache: MessageMetaCache): Promise<boolean> {
    const view = this.ctx.view;
    const found: (MessageMeta | undefined)[] = new Array(req.targets.length);
    const missing: number[] = [];
    for (let k = 0; k < req.targets.length; k++) {
      const uid = req.targets[k]![1];
      const meta = cache.get(view.mailboxId, uid);
      if (meta) found[k] = meta;
      else if (missing.push(uid) > CACHE_MISSES_MAX) return false;
    }
    let loaded: Map<number, MessageMeta> | null = null;
    if (missing.length) {
      loaded = new Map();
      for (const m of await this.load(missing, { envelope: true, bodyStructure: false, objectIds: false, saveDate: false }, false)) {
        const meta = remember(cache, view.mailboxId, m);
        if (meta) loaded.set(m.uid, meta);
      }
    }
    this.ctx.out.startBatch();
    try {
      for (let k = 0; k < req.targets.length; k++) {
        const [seq, uid] = req.targets[k]!;
        const meta = found[k] ?? loaded?.get(uid);
        if (!meta) continue;
        const envelope = this.ctx.downgrade ? downgradeSerializedEnvelope(meta.envelope) : meta.envelope;
        const msg: FetchedMessage = { uid, modseq: view.modseqOf(uid), flags: view.flagsOf(uid), size: meta.size, internalDate: meta.internalDate, imapEnvelope: envelope };
        const written = this.ctx.out.queue(metadataLine(seq, msg, items));
        if (written) await written;
      }
    } finally {
      this.ctx.out.endBatch();
    }
    return true;
  }

  /**
   * A page of a FETCH that reads nothing from the blob store (ENVELOPE, FLAGS, sizes…): each line is
   * written as it is built, with no reads ahead to manage and no promise per line.
   */
  private async writeMetadataPage(messages: FetchedMessage[], items: FetchItem[]): Promise<void> {
    for (const msg of messages) {
      const written = this.ctx.out.queue(metadataLine(this.ctx.view.seqOf(msg.uid), msg, items));
      if (written) await written;
    }
  }

  /** Writes a page in order, the small sections of the next messages read meanwhile. */
  private async writePage(messages: FetchedMessage[], items: FetchItem[], bodies: ({ body: BodyItem; label: string } | null)[], setsSeen: boolean): Promise<void> {
    const ahead = new ReadAhead<Map<number, SectionData>>({
      depth: READ_AHEAD,
      maxBytes: READ_AHEAD_BYTES,
      cost: (k) => this.inlineBytes(messages[k]!, bodies),
      read: (k, signal) => this.readInline(messages[k]!, bodies, signal),
    });
    // a client that hangs up mid-FETCH: the reads in flight stop now, not when their turn comes
    const socket = this.ctx.out.socket;
    const onClose = () => ahead.close();
    socket.once('close', onClose);
    try {
      for (let k = 0; k < messages.length; k++) {
        const msg = messages[k]!;
        let read: Map<number, SectionData> | null;
        try {
          read = await ahead.take(k, messages.length - 1);
        } catch (err) {
          if (this.ctx.out.closed) throw new ConnectionClosedError();
          throw err;
        }
        await this.writeMessage(this.ctx.view.seqOf(msg.uid), msg, items, bodies, setsSeen, read);
      }
    } finally {
      socket.off('close', onClose);
      ahead.close();
    }
  }

  /** Bytes of a message's sections small enough to hold whole; null when it has none (nothing to read ahead). */
  private inlineBytes(msg: FetchedMessage, bodies: ({ body: BodyItem; label: string } | null)[]): number | null {
    let bytes: number | null = null;
    for (const b of bodies) {
      const size = b ? this.inlineSize(msg, b.body) : null;
      if (size !== null) bytes = (bytes ?? 0) + size;
    }
    return bytes;
  }

  /** The sections of a message small enough to hold whole, read now. */
  private async readInline(msg: FetchedMessage, bodies: ({ body: BodyItem; label: string } | null)[], signal: AbortSignal): Promise<Map<number, SectionData>> {
    const reads: Array<Promise<readonly [number, SectionData]>> = [];
    bodies.forEach((b, i) => {
      if (b && this.inlineSize(msg, b.body) !== null) reads.push(this.section(msg, b.body, signal).then((s) => [i, s] as const));
    });
    return new Map(await Promise.all(reads));
  }

  private async load(uids: number[], want: LoadWanted, bodyRefs: boolean): Promise<FetchedMessage[]> {
    const out: FetchedMessage[] = [];
    let rest = uids;
    while (rest.length) {
      const res = await this.ctx.store.fetchMessages({
        accountId: this.ctx.accountId,
        mailboxId: this.ctx.view.mailboxId,
        uids: toRanges(rest),
        imapEnvelope: want.envelope,
        bodyStructure: want.bodyStructure,
        bodyRefs,
        ...(want.objectIds ? { objectIds: true } : {}),
        ...(want.saveDate ? { saveDate: true } : {}),
        limit: Math.min(5000, rest.length),
      });
      out.push(...res.messages);
      if (!res.more || !res.messages.length) break;
      const last = res.messages[res.messages.length - 1]!.uid;
      rest = rest.filter((u) => u > last);
    }
    return out;
  }

  /** one flag update per page for every message a non-PEEK fetch opens */
  private async markSeen(messages: FetchedMessage[]): Promise<void> {
    const unseen = messages.filter((m) => !m.flags.some((f) => f.toLowerCase() === '\\seen'));
    if (!unseen.length) return;
    const res = await this.ctx.store.updateFlags({
      accountId: this.ctx.accountId,
      mailboxId: this.ctx.view.mailboxId,
      uids: toRanges(unseen.map((m) => m.uid)),
      mode: 'add',
      flags: ['\\Seen'],
    });
    const byUid = new Map(res.updated.map((s) => [s.uid, s]));
    for (const m of unseen) {
      const state = byUid.get(m.uid);
      m.flags = state ? state.flags : [...m.flags, '\\Seen'];
      this.ctx.view.setFlags(m.uid, m.flags, state?.modseq);
      if (state) m.modseq = state.modseq;
    }
  }

  private simple(items: FetchItem[], uid: number, msg: FetchedMessage | null): string {
    const parts: string[] = [];
    for (const item of items) {
      if (item.kind === 'UID') parts.push(`UID ${uid}`);
      else if (item.kind === 'FLAGS') parts.push(`FLAGS ${flagList(msg ? msg.flags : this.ctx.view.flagsOf(uid))}`);
    }
    return parts.join(' ');
  }

  private async writeMessage(
    seq: number,
    msg: FetchedMessage,
    items: FetchItem[],
    bodies: ({ body: BodyItem; label: string } | null)[],
    setsSeen: boolean,
    readAlready: Map<number, SectionData> | null,
  ): Promise<void> {
    const out = this.ctx.out;
    let text = `* ${seq} FETCH (`;
    let first = true;
    const add = (s: string) => {
      text += (first ? '' : ' ') + s;
      first = false;
    };
    if (setsSeen && !items.some((i) => i.kind === 'FLAGS')) add(`FLAGS ${flagList(msg.flags)}`);
    for (let i = 0; i < items.length; i++) {
      const body = bodies[i];
      if (!body) {
        const attribute = metadataAttribute(items[i]!, msg);
        if (attribute !== null) add(attribute);
        continue;
      }
      const chunk = readAlready?.get(i) ?? (await this.section(msg, body.body));
      if (body.body.binary === 'size') {
        add(`${body.label} ${chunk.kind === 'buffer' ? chunk.data.length : chunk.size}`);
      } else if (body.body.binary && chunk.kind === 'buffer' && chunk.data.includes(0)) {
        // RFC 3516: content with NUL goes as a literal8
        add(`${body.label} ~${literalHeader(chunk.data.length)}`);
        await out.send(text);
        await out.send(chunk.data);
        text = '';
      } else if (chunk.kind === 'buffer' && !chunk.data.length) {
        add(`${body.label} ""`);
      } else if (chunk.kind === 'buffer') {
        add(`${body.label} ${literalHeader(chunk.data.length)}`);
        await out.send(text);
        await out.send(chunk.data);
        text = '';
      } else {
        add(`${body.label} ${literalHeader(chunk.size)}`);
        await out.send(text);
        text = '';
        await this.pipe(chunk.stream, chunk.size);
      }
    }
    await out.send(text + ')\r\n');
  }

  /** Bytes section() reads for this item when it answers with a buffer (read whole); null when it streams it. */
  private inlineSize(msg: FetchedMessage, item: BodyItem): number | null {
    const plan = planSection(item.section, { size: msg.size, headerSize: refsOf(msg).headerSize, body: msg.body });
    if (plan.kind === 'empty') return 0;
    if (plan.kind === 'header-fields') return Math.max(0, Math.min(plan.end, plan.start + MAX_HEADER_READ) - plan.start);
    const { start, end } = applyPartial(plan.start, Math.min(plan.end, msg.size), item.partial);
    return end - start <= INLINE_LIMIT ? Math.max(0, end - start) : null;
  }

  /** `signal` aborts a read started ahead (small sections only: large ones stream when their turn comes). */
  private async section(msg: FetchedMessage, item: BodyItem, signal?: AbortSignal): Promise<SectionData> {
    if (item.binary) return this.binarySection(msg, item, signal);
    return readSection(this.ctx.blobs, msg, item.section, item.partial, signal, this.ctx.downgrade === true);
  }

  /**
   * BINARY[part] (RFC 3516): the part's body decoded from its Content-Transfer-Encoding, the partial
   * applied to the decoded bytes; a multipart or message part, or the whole message, as it is. Held
   * whole in memory (a part is at most the APPEND limit). An encoding without a decoder is
   * UNKNOWN-CTE.
   */
  private async binarySection(msg: FetchedMessage, item: BodyItem, signal?: AbortSignal): Promise<SectionData> {
    const { blobKey, headerSize } = refsOf(msg);
    const section: Section = { part: item.section.part, text: null, fields: [] };
    const plan = planSection(section, { size: msg.size, headerSize, body: msg.body });
    if (plan.kind !== 'range') return { kind: 'buffer', data: Buffer.alloc(0) };
    const part = section.part.length && msg.body ? findPart(msg.body, section.part) : null;
    const encoding = part && !part.parts && !part.message ? part.encoding : 'binary';
    if (!knownTransferEncoding(encoding)) throw new ReplyError(no('Unknown Content-Transfer-Encoding', 'UNKNOWN-CTE'));
    const end = Math.min(plan.end, msg.size);
    const raw = end > plan.start ? await readRange(this.ctx.blobs, blobKey, plan.start, end, signal) : Buffer.alloc(0);
    const decoded = decodeTransfer(raw, encoding);
    const { start, end: stop } = applyPartial(0, decoded.length, item.partial);
    return { kind: 'buffer', data: decoded.subarray(start, Math.max(start, stop)) };
  }

  /** Streams exactly `size` bytes; once a literal is announced nothing else may be said, so a short blob ends the connection. */
  private async pipe(stream: Readable, size: number): Promise<void> {
    let sent = 0;
    try {
      for await (const chunk of stream) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        const part = sent + buf.length > size ? buf.subarray(0, size - sent) : buf;
        await this.ctx.out.send(part);
        sent += part.length;
        if (sent >= size) break;
      }
    } catch (err) {
      // the literal is announced and cut short: nothing else may be said on this connection
      this.ctx.out.socket.destroy();
      throw err;
    } finally {
      stream.destroy();
    }
    if (sent !== size) {
      this.ctx.out.socket.destroy();
      throw new ConnectionClosedError();
    }
  }
}

/** Keeps a fetched message's envelope, size and internal date; the entry, or undefined without an envelope. */
function remember(cache: MessageMetaCache, mailboxId: string, m: FetchedMessage): MessageMeta | undefined {
  if (m.imapEnvelope === undefined) return undefined;
  const meta: MessageMeta = { envelope: m.imapEnvelope, size: m.size, internalDate: m.internalDate };
  cache.set(mailboxId, m.uid, meta);
  return meta;
}

/**
 * What a 7-bit session is shown of a message's metadata (RFC 6857): its envelope and body structure
 * without raw UTF-8. ASCII ones are left as they are (one scan each); section offsets are kept.
 */
function downgradeFetched(m: FetchedMessage): void {
  if (m.imapEnvelope) m.imapEnvelope = downgradeSerializedEnvelope(m.imapEnvelope);
  if (m.body) m.body = downgradeBodyStructure(m.body) as FetchedMessage['body'];
}

/** A FETCH attribute answered from the store's metadata (not a body section); null when the message has none. */
function metadataAttribute(item: FetchItem, msg: FetchedMessage): string | null {
  switch (item.kind) {
    case 'UID':
      return `UID ${msg.uid}`;
    case 'FLAGS':
      return `FLAGS ${flagList(msg.flags)}`;
    case 'MODSEQ':
      return `MODSEQ (${msg.modseq})`;
    case 'RFC822.SIZE':
      return `RFC822.SIZE ${msg.size}`;
    case 'INTERNALDATE':
      return `INTERNALDATE "${formatDateTime(new Date(msg.internalDate))}"`;
    case 'ENVELOPE':
      return msg.imapEnvelope ? `ENVELOPE ${msg.imapEnvelope}` : null;
    case 'BODYSTRUCTURE':
    case 'BODY':
      return msg.body ? `${item.kind} ${serializeBodyStructure(msg.body, item.kind === 'BODYSTRUCTURE')}` : null;
    // RFC 8474: a store of an earlier release sends no ids: the attribute is left out rather than made up
    case 'EMAILID':
      return msg.emailId !== undefined ? objectIdAttribute('EMAILID', msg.emailId) : null;
    case 'THREADID':
      return msg.threadId !== undefined ? objectIdAttribute('THREADID', msg.threadId) : null;
    case 'SAVEDATE':
      return msg.saveDate !== undefined ? saveDateAttribute(new Date(msg.saveDate)) : null;
    default:
      return null;
  }
}

/** The response line of a message when the FETCH reads no body section (so it sets no \Seen either). */
function metadataLine(seq: number, msg: FetchedMessage, items: FetchItem[]): string {
  let text = `* ${seq} FETCH (`;
  let separator = '';
  for (const item of items) {
    const attribute = metadataAttribute(item, msg);
    if (attribute === null) continue;
    text += separator + attribute;
    separator = ' ';
  }
  return text + ')\r\n';
}
