import { randomUUID } from 'node:crypto';
import { readAll, type BlobStore } from '@mail/blob';
import { ContractError, type AccountQuota, type Envelope, type EnvelopeAddress, type MailboxInfo, type MessageState, type MimePart, type RequestOf, type ResponseOf, type SearchCriterion } from '@mail/contracts';
import type * as C from '@mail/contracts';
import { serializeEnvelope, toRanges } from '@mail/imap-protocol';
import { AuthPort, type LoginAttempt, type LoginResult } from '../ports/auth.port.js';
import { ChangeFeedPort, type AclChangedEvent, type ChangeSubscription, type MailboxChangedEvent, type MetadataChangedEvent, type SubscriptionChangedEvent } from '../ports/change-feed.port.js';
import { MailStorePort } from '../ports/mail-store.port.js';

// ---- a deliberately small MIME indexer for test messages (the real one lives in libs/mime) ----

function headerBlock(raw: string, start: number): { fields: [string, string][]; bodyStart: number } {
  const sep = raw.indexOf('\r\n\r\n', start);
  const end = sep < 0 ? raw.length : sep + 2;
  const bodyStart = sep < 0 ? raw.length : sep + 4;
  const fields: [string, string][] = [];
  for (const line of raw.slice(start, end).split('\r\n')) {
    if (!line) continue;
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]![1] += ' ' + line.trim();
    else {
      const i = line.indexOf(':');
      if (i > 0) fields.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
    }
  }
  return { fields, bodyStart };
}

function addresses(value: string | undefined): EnvelopeAddress[] | null {
  if (!value) return null;
  return value.split(',').map((a) => {
    const m = /^\s*(?:"?([^"<]*?)"?\s*)?<([^@>]+)@([^>]+)>\s*$/.exec(a) ?? /^\s*()([^@\s]+)@(\S+)\s*$/.exec(a);
    return { name: m?.[1] || null, adl: null, mailbox: m?.[2] ?? a.trim(), host: m?.[3] ?? null };
  });
}

function contentType(value: string | undefined): { type: string; subtype: string; params: [string, string][] } {
  const [main, ...rest] = (value ?? 'text/plain; charset=us-ascii').split(';');
  const [type, subtype] = main!.trim().split('/');
  const params = rest.map((p) => p.trim().split('=')).filter((p) => p.length === 2).map(([k, v]) => [k!.trim(), v!.trim().replace(/^"|"$/g, '')] as [string, string]);
  return { type: type ?? 'text', subtype: subtype ?? 'plain', params };
}

function countLines(body: string): number {
  if (!body) return 0;
  const breaks = body.split('\r\n').length - 1;
  return body.endsWith('\r\n') ? breaks : breaks + 1;
}

function parsePart(raw: string, headerStart: number, end: number): MimePart {
  const { fields, bodyStart } = headerBlock(raw.slice(0, end), headerStart);
  const get = (n: string) => fields.find(([k]) => k === n)?.[1];
  const ct = contentType(get('content-type'));
  const part: MimePart = {
    ...ct,
    id: get('content-id') ?? null,
    description: null,
    encoding: get('content-transfer-encoding') ?? '7bit',
    size: end - bodyStart,
    lines: ct.type === 'text' ? countLines(raw.slice(bodyStart, end)) : null,
    md5: null,
    disposition: null,
    language: null,
    location: null,
    headerStart,
    bodyStart,
    bodyEnd: end,
  };
  const boundary = ct.params.find(([k]) => k.toLowerCase() === 'boundary')?.[1];
  if (ct.type === 'multipart' && boundary) {
    part.parts = [];
    const delim = `\r\n--${boundary}`;
    let pos = raw.indexOf(`--${boundary}`, bodyStart);
    while (pos >= 0 && pos < end) {
      const lineEnd = raw.indexOf('\r\n', pos);
      if (raw.startsWith(`--${boundary}--`, pos) || lineEnd < 0) break;
      const childStart = lineEnd + 2;
      const next = raw.indexOf(delim, childStart);
      const childEnd = next < 0 || next > end ? end : next;
      part.parts.push(parsePart(raw, childStart, childEnd));
      pos = childEnd + 2;
    }
  }
  return part;
}

export function indexTestMessage(raw: Buffer): { headerSize: number; envelope: Envelope; body: MimePart; headers: [string, string][]; text: string } {
  const s = raw.toString('latin1');
  const { fields, bodyStart } = headerBlock(s, 0);
  const get = (n: string) => fields.find(([k]) => k === n)?.[1];
  const envelope: Envelope = {
    date: get('date') ?? null,
    subject: get('subject') ?? null,
    from: addresses(get('from')),
    sender: addresses(get('sender')),
    replyTo: addresses(get('reply-to')),
    to: addresses(get('to')),
    cc: addresses(get('cc')),
    bcc: addresses(get('bcc')),
    inReplyTo: get('in-reply-to') ?? null,
    messageId: get('message-id') ?? null,
  };
  return { headerSize: bodyStart, envelope, body: parsePart(s, 0, s.length), headers: fields, text: s.slice(bodyStart) };
}

// ---- the store ----

interface StoredMessage {
  uid: number;
  modseq: number;
  flags: string[];
  size: number;
  internalDate: string;
  blobKey: string;
  index: ReturnType<typeof indexTestMessage>;
}

interface FakeMailbox {
  info: MailboxInfo;
  messages: StoredMessage[];
  /** uid -> modseq of its expunge */
  expunged: Map<number, number>;
}


/** An in-memory MailStorePort with the store's semantics (UIDs, MODSEQ, change events). */
export class FakeMailStore extends MailStorePort {
  private readonly accounts = new Map<string, Map<string, FakeMailbox>>();
  private modseq = 1;
  readonly calls: string[] = [];
  /** the index each append carried (ADR 0007), by blob key */
  readonly carried = new Map<string, string | undefined>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly feed: FakeChangeFeed,
  ) {
    super();
  }

  private boxes(accountId: string): Map<string, FakeMailbox> {
    let boxes = this.accounts.get(accountId);
    if (!boxes) {
      boxes = new Map();
      this.accounts.set(accountId, boxes);
      this.make(accountId, 'INBOX', null);
      this.make(accountId, 'Sent', '\\Sent');
      this.make(accountId, 'Trash', '\\Trash');
    }
    return boxes;
  }

  private make(accountId: string, name: string, specialUse: MailboxInfo['specialUse']): FakeMailbox {
    const box: FakeMailbox = {
      info: { id: randomUUID(), name, specialUse, subscribed: true, uidValidity: 1000 + this.accounts.get(accountId)!.size, uidNext: 1, highestModseq: this.modseq, messages: 0, unseen: 0, sizeBytes: 0 },
      messages: [],
      expunged: new Map(),
    };
    this.accounts.get(accountId)!.set(name, box);
    return box;
  }

  private byName(accountId: string, name: string): FakeMailbox {
    const box = this.boxes(accountId).get(name);
    if (!box) throw new ContractError('NOT_FOUND', `no mailbox ${name}`);
    return box;
  }

  private byId(accountId: string, id: string): FakeMailbox {
    for (const box of this.boxes(accountId).values()) if (box.info.id === id) return box;
    throw new ContractError('NOT_FOUND', 'no such mailbox');
  }

  private info(box: FakeMailbox): MailboxInfo {
    box.info.messages = box.messages.length;
    box.info.unseen = box.messages.filter((m) => !m.flags.includes('\\Seen')).length;
    box.info.sizeBytes = box.messages.reduce((a, m) => a + m.size, 0);
    return { ...box.info };
  }

  private publish(accountId: string, box: FakeMailbox, kind: MailboxChangedEvent['kind'], uids: number[], modseq: number, appended?: MailboxChangedEvent['appended']): void {
    this.feed.emit({ accountId, mailboxId: box.info.id, mailbox: box.info.name, kind, uids, modseq, appended });
  }

  private inRanges(uid: number, ranges: [number, number][]): boolean {
    return ranges.some(([a, b]) => uid >= a && uid <= b);
  }

  async listMailboxes(req: RequestOf<typeof C.ListMailboxes>): Promise<ResponseOf<typeof C.ListMailboxes>> {
    this.calls.push('list');
    return { mailboxes: [...this.boxes(req.accountId).values()].map((b) => this.info(b)) };
  }
  async createMailbox(req: RequestOf<typeof C.CreateMailbox>): Promise<ResponseOf<typeof C.CreateMailbox>> {
    if (this.boxes(req.accountId).has(req.name)) throw new ContractError('CONFLICT', 'exists');
    return this.info(this.make(req.accountId, req.name, req.specialUse ?? null));
  }
  async deleteMailbox(req: RequestOf<typeof C.DeleteMailbox>): Promise<ResponseOf<typeof C.DeleteMailbox>> {
    this.byName(req.accountId, req.name);
    this.boxes(req.accountId).delete(req.name);
    return { deleted: true };
  }
  async renameMailbox(req: RequestOf<typeof C.RenameMailbox>): Promise<ResponseOf<typeof C.RenameMailbox>> {
    const box = this.byName(req.accountId, req.name);
    if (this.boxes(req.accountId).has(req.newName)) throw new ContractError('CONFLICT', 'exists');
    this.boxes(req.accountId).delete(req.name);
    box.info.name = req.newName;
    this.boxes(req.accountId).set(req.newName, box);
    return this.info(box);
  }
  async subscribeMailbox(req: RequestOf<typeof C.SubscribeMailbox>): Promise<ResponseOf<typeof C.SubscribeMailbox>> {
    this.byName(req.accountId, req.name).info.subscribed = req.subscribed;
    return { subscribed: req.subscribed };
  }
  async mailboxStatus(req: RequestOf<typeof C.MailboxStatus>): Promise<ResponseOf<typeof C.MailboxStatus>> {
    return this.info(this.byName(req.accountId, req.name));
  }
  async openMailbox(req: RequestOf<typeof C.OpenMailbox>): Promise<ResponseOf<typeof C.OpenMailbox>> {
    this.calls.push('open');
    const box = this.byName(req.accountId, req.name);
    const limit = req.limit ?? 20_000;
    const after = box.messages.filter((m) => m.uid > (req.afterUid ?? 0));
    const messages: MessageState[] = after.slice(0, limit).map((m) => ({ uid: m.uid, modseq: m.modseq, flags: [...m.flags] }));
    return { mailbox: this.info(box), messages, more: after.length > limit };
  }
  async mailboxChanges(req: RequestOf<typeof C.MailboxChanges>): Promise<ResponseOf<typeof C.MailboxChanges>> {
    this.calls.push('changes');
    const box = this.byId(req.accountId, req.mailboxId);
    return {
      changed: box.messages.filter((m) => m.modseq > req.sinceModseq).map((m) => ({ uid: m.uid, modseq: m.modseq, flags: [...m.flags] })),
      expunged: [...box.expunged].filter(([, ms]) => ms > req.sinceModseq).map(([uid]) => uid),
      highestModseq: box.info.highestModseq,
      uidNext: box.info.uidNext,
    };
  }
  /** METADATA is exercised against the real store (transcripts): the fake refuses it */
  async getMetadata(): Promise<ResponseOf<typeof C.GetMetadata>> {
    throw new ContractError('UNAVAILABLE', 'no METADATA in the fake store');
  }
  async setMetadata(): Promise<ResponseOf<typeof C.SetMetadata>> {
    throw new ContractError('UNAVAILABLE', 'no METADATA in the fake store');
  }
  async vanishedMessages(req: RequestOf<typeof C.VanishedMessages>): Promise<ResponseOf<typeof C.VanishedMessages>> {
    this.calls.push('vanished');
    const box = this.byId(req.accountId, req.mailboxId);
    const inScope = (uid: number) => !req.uids || req.uids.some(([a, b]) => uid >= a && uid <= b);
    const uids = [...box.expunged].filter(([uid, ms]) => ms > req.sinceModseq && inScope(uid)).map(([uid]) => uid);
    return { uids: toRanges(uids), complete: true };
  }
  async fetchMessages(req: RequestOf<typeof C.FetchMessages>): Promise<ResponseOf<typeof C.FetchMessages>> {
    this.calls.push('fetch');
    const box = this.byId(req.accountId, req.mailboxId);
    const limit = req.limit ?? 5000;
    const hits = box.messages.filter((m) => this.inRanges(m.uid, req.uids));
    return {
      messages: hits.slice(0, limit).map((m) => ({
        uid: m.uid,
        modseq: m.modseq,
        flags: [...m.flags],
        size: m.size,
        internalDate: m.internalDate,
        blobKey: m.blobKey,
        headerSize: m.index.headerSize,
        envelope: req.envelope ? m.index.envelope : undefined,
        imapEnvelope: req.imapEnvelope ? serializeEnvelope(m.index.envelope) : undefined,
        body: req.bodyStructure ? m.index.body : undefined,
      })),
      more: hits.length > limit,
    };
  }
  private matches(m: StoredMessage, c: SearchCriterion): boolean {
    switch (c.op) {
      case 'all':
        return true;
      case 'and':
        return c.of.every((x) => this.matches(m, x));
      case 'or':
        return this.matches(m, c.of[0]) || this.matches(m, c.of[1]);
      case 'not':
        return !this.matches(m, c.of);
      case 'uid':
        return this.inRanges(m.uid, c.ranges);
      case 'flag':
        return m.flags.some((f) => f.toLowerCase() === c.flag.toLowerCase()) === c.set;
      case 'header':
        return m.index.headers.some(([k, v]) => k === c.field && v.toLowerCase().includes(c.value.toLowerCase()));
      case 'body':
        return m.index.text.toLowerCase().includes(c.value.toLowerCase());
      case 'text':
        return m.index.text.toLowerCase().includes(c.value.toLowerCase()) || m.index.headers.some(([, v]) => v.toLowerCase().includes(c.value.toLowerCase()));
      case 'size':
        return c.cmp === 'larger' ? m.size > c.value : m.size < c.value;
      case 'modseq':
        return m.modseq >= c.value;
      // object ids are the real store's (test/protocol/imap/80-objectid.test)
      case 'emailid':
      case 'threadid':
        return false;
      case 'internaldate':
      case 'savedate':
      case 'sentdate': {
        const day = m.internalDate.slice(0, 10);
        return c.cmp === 'on' ? day === c.date : c.cmp === 'before' ? day < c.date : day >= c.date;
      }
    }
  }
  async appendAll(req: RequestOf<typeof C.AppendAll>): Promise<ResponseOf<typeof C.AppendAll>> {
    // not atomic here: the real store's transaction is tested through test/protocol/imap
    const results = [];
    for (const m of req.messages) results.push(await this.appendMessage({ accountId: req.accountId, mailbox: req.mailbox, ...m }));
    return { results };
  }

  messageSortKeys(): Promise<ResponseOf<typeof C.MessageSortKeys>> {
    // SORT and THREAD are tested against the real store (test/protocol/imap)
    return Promise.reject(new Error('the fake store has no sort keys'));
  }

  async searchMessages(req: RequestOf<typeof C.SearchMessages>): Promise<ResponseOf<typeof C.SearchMessages>> {
    this.calls.push('search');
    const box = this.byId(req.accountId, req.mailboxId);
    return { uids: box.messages.filter((m) => this.matches(m, req.criteria as SearchCriterion)).map((m) => m.uid), highestModseq: box.info.highestModseq };
  }
  async updateFlags(req: RequestOf<typeof C.UpdateFlags>): Promise<ResponseOf<typeof C.UpdateFlags>> {
    this.calls.push('flags');
    const box = this.byId(req.accountId, req.mailboxId);
    const updated: MessageState[] = [];
    const modseq = ++this.modseq;
    for (const m of box.messages) {
      if (!this.inRanges(m.uid, req.uids)) continue;
      const lower = new Set(req.flags.map((f) => f.toLowerCase()));
      let next: string[];
      if (req.mode === 'replace') next = [...req.flags];
      else if (req.mode === 'add') next = [...m.flags, ...req.flags.filter((f) => !m.flags.some((g) => g.toLowerCase() === f.toLowerCase()))];
      else next = m.flags.filter((f) => !lower.has(f.toLowerCase()));
      m.flags = next;
      m.modseq = modseq;
      updated.push({ uid: m.uid, modseq, flags: [...next] });
    }
    box.info.highestModseq = modseq;
    this.publish(req.accountId, box, 'flags', updated.map((u) => u.uid), modseq);
    return { updated, conflicts: [] };
  }
  async expungeMessages(req: RequestOf<typeof C.ExpungeMessages>): Promise<ResponseOf<typeof C.ExpungeMessages>> {
    const box = this.byId(req.accountId, req.mailboxId);
    const modseq = ++this.modseq;
    const gone = box.messages.filter((m) => (!req.uids || this.inRanges(m.uid, req.uids)) && (req.onlyDeleted === false || m.flags.includes('\\Deleted')));
    box.messages = box.messages.filter((m) => !gone.includes(m));
    for (const m of gone) box.expunged.set(m.uid, modseq);
    box.info.highestModseq = modseq;
    this.publish(req.accountId, box, 'expunged', gone.map((m) => m.uid), modseq);
    return { expunged: gone.map((m) => m.uid), highestModseq: modseq };
  }
  async copyMessages(req: RequestOf<typeof C.CopyMessages>): Promise<ResponseOf<typeof C.CopyMessages>> {
    const box = this.byId(req.accountId, req.mailboxId);
    const target = this.byName(req.accountId, req.target);
    const modseq = ++this.modseq;
    const mapping: [number, number][] = [];
    for (const m of box.messages.filter((x) => this.inRanges(x.uid, req.uids))) {
      const uid = target.info.uidNext++;
      target.messages.push({ ...m, uid, modseq, flags: [...m.flags] });
      mapping.push([m.uid, uid]);
    }
    target.info.highestModseq = modseq;
    if (req.move) {
      const moved = new Set(mapping.map(([s]) => s));
      box.messages = box.messages.filter((m) => !moved.has(m.uid));
      for (const uid of moved) box.expunged.set(uid, modseq);
      box.info.highestModseq = modseq;
    }
    this.publish(req.accountId, target, 'appended', mapping.map(([, d]) => d), modseq);
    return { targetUidValidity: target.info.uidValidity, mapping };
  }
  async appendMessage(req: RequestOf<typeof C.AppendMessage>): Promise<ResponseOf<typeof C.AppendMessage>> {
    this.calls.push('append');
    this.carried.set(req.blobKey, req.index);
    const box = this.byName(req.accountId, req.mailbox ?? 'INBOX');
    const raw = await readAll(await this.blobs.get(req.blobKey));
    if (raw.length !== req.size) throw new ContractError('INVALID', 'size mismatch');
    // modseqs follow each other within a mailbox, as in the real store
    const modseq = box.info.highestModseq + 1;
    this.modseq = Math.max(this.modseq, modseq);
    const uid = box.info.uidNext++;
    box.messages.push({
      uid,
      modseq,
      flags: [...(req.flags ?? [])],
      size: raw.length,
      internalDate: req.internalDate ?? new Date().toISOString(),
      blobKey: req.blobKey,
      index: indexTestMessage(raw),
    });
    box.info.highestModseq = modseq;
    // as the real store: an append's event lists the message as stored
    this.publish(req.accountId, box, 'appended', [uid], modseq, [{ uid, modseq, flags: [...(req.flags ?? [])] }]);
    return { mailboxId: box.info.id, uid, uidValidity: box.info.uidValidity, modseq, duplicate: false, flags: [...(req.flags ?? [])] };
  }

  async accountUsage(req: RequestOf<typeof C.GetAccountUsage>): Promise<ResponseOf<typeof C.GetAccountUsage>> {
    return {
      accounts: req.accountIds.map((accountId) => {
        const boxes = [...(this.accounts.get(accountId)?.values() ?? [])];
        return { accountId, bytes: boxes.reduce((a, b) => a + b.messages.reduce((x, m) => x + m.size, 0), 0), messages: boxes.reduce((a, b) => a + b.messages.length, 0) };
      }),
    };
  }

  /** what a delivery would do: put the blob, then append */
  async deliver(accountId: string, raw: string | Buffer, opts: { mailbox?: string; flags?: string[]; internalDate?: string } = {}): Promise<number> {
    const body = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const key = `msg/test/${randomUUID()}`;
    await this.blobs.put(key, body);
    const res = await this.appendMessage({ accountId, mailbox: opts.mailbox ?? 'INBOX', blobKey: key, size: body.length, flags: opts.flags ?? [], internalDate: opts.internalDate });
    return res.uid;
  }

  flagsOf(accountId: string, mailbox: string, uid: number): string[] | undefined {
    return this.byName(accountId, mailbox).messages.find((m) => m.uid === uid)?.flags;
  }

  uidsOf(accountId: string, mailbox: string): number[] {
    return this.byName(accountId, mailbox).messages.map((m) => m.uid);
  }
}

export class FakeChangeFeed extends ChangeFeedPort {
  private readonly handlers = new Map<string, Set<(e: MailboxChangedEvent) => void>>();

  caughtUp(): Promise<void> {
    return Promise.resolve(); // events reach the fake's handlers when they are emitted
  }

  async subscribe(accountId: string, handler: (event: MailboxChangedEvent) => void): Promise<ChangeSubscription> {
    let set = this.handlers.get(accountId);
    if (!set) this.handlers.set(accountId, (set = new Set()));
    set.add(handler);
    return { unsubscribe: async () => void set.delete(handler) };
  }

  private readonly subscriptionHandlers = new Set<(e: SubscriptionChangedEvent) => void>();

  /** NOTIFY sessions listening for subscription list changes */
  get subscriptionWatchers(): number {
    return this.subscriptionHandlers.size;
  }

  async subscribeSubscriptions(_accountId: string, handler: (event: SubscriptionChangedEvent) => void): Promise<ChangeSubscription> {
    this.subscriptionHandlers.add(handler);
    return { unsubscribe: async () => void this.subscriptionHandlers.delete(handler) };
  }

  readonly metadataHandlers = new Set<(e: MetadataChangedEvent) => void>();
  readonly aclHandlers = new Set<(e: AclChangedEvent) => void>();

  async subscribeMetadata(_accountId: string, handler: (event: MetadataChangedEvent) => void): Promise<ChangeSubscription> {
    this.metadataHandlers.add(handler);
    return { unsubscribe: async () => void this.metadataHandlers.delete(handler) };
  }

  async subscribeAcl(_tenant: string, handler: (event: AclChangedEvent) => void): Promise<ChangeSubscription> {
    this.aclHandlers.add(handler);
    return { unsubscribe: async () => void this.aclHandlers.delete(handler) };
  }

  /** events arrive asynchronously, as over a bus */
  emit(event: MailboxChangedEvent): void {
    const set = this.handlers.get(event.accountId);
    if (set) setImmediate(() => [...set].forEach((h) => h(event)));
  }

  get subscribers(): number {
    return [...this.handlers.values()].reduce((a, s) => a + s.size, 0);
  }
}

export class FakeAuth extends AuthPort {
  readonly users = new Map<string, { password: string; accountId: string }>();
  readonly attempts: LoginAttempt[] = [];
  /** limits by address, as the directory would answer them */
  readonly quotas = new Map<string, AccountQuota>();

  add(address: string, password: string, accountId: string): void {
    this.users.set(address, { password, accountId });
  }

  async verifyLogin(attempt: LoginAttempt): Promise<LoginResult> {
    this.attempts.push(attempt);
    const user = this.users.get(attempt.username);
    if (!user || user.password !== attempt.password) return { ok: false, reason: 'invalid' };
    return { ok: true, accountId: user.accountId, address: attempt.username };
  }

  async accountQuota(address: string): Promise<AccountQuota | null> {
    return this.quotas.get(address) ?? null;
  }
}
