import { createHash } from 'node:crypto';
import { isTransientCode } from '@mail/contracts';
import { planFolders, type FolderPlan, type FolderPlanEntry } from './folder-plan.js';
import { fingerprint, type FolderProgress, type ProgressStore } from './folder-progress.js';
import type { LocalAppend, LocalMailboxSink, StoredBody } from './local-mailbox.port.js';
import type { RemoteMailbox, RemoteMessageMeta } from './remote-mailbox.port.js';
import { bodyGroups, nextUidWindow } from './uid-window.js';

export interface CopyOptions {
  /** stops between chunks; what was copied is checkpointed, a resume continues from there */
  signal?: AbortSignal;
  /** scopes the store's idempotency keys (the batch user's id): another batch copies again */
  idempotencyScope: string;
  /** waits for the remote host's message rate (the per-host throttle); called before each body FETCH */
  throttle?: (messages: number) => Promise<void>;
  /** after each chunk, for metrics */
  onChunk?: (copied: { messages: number; bytes: number; errors: number }) => void;
  /** messages per metadata window, and per append */
  chunkMessages?: number;
  maxGroupBytes?: number;
  largeMessageBytes?: number;
}

export interface CopyResult {
  plan: FolderPlan;
  stopped: boolean;
  messages: number;
  bytes: number;
  errors: number;
}

/** The user's target account refused for good (over quota): further folders would fail the same way. */
export class AccountRefusedError extends Error {
  override name = 'AccountRefusedError';
}

/** The batch was stopped in the middle of a chunk; the chunk is left for the resume. */
class StoppedError extends Error {
  override name = 'StoppedError';
}

/** The local store failed transiently; the user's job is retried later from the last checkpoint. */
export class LocalUnavailableError extends Error {
  override name = 'LocalUnavailableError';
}

const SYSTEM_FLAGS = new Map(['\\seen', '\\answered', '\\flagged', '\\deleted', '\\draft'].map((f) => [f, `\\${f[1].toUpperCase()}${f.slice(2)}`]));

/**
 * Copies one user's mailbox: every folder of the plan, each in UID order, in windows and chunks, so
 * memory stays bounded by a chunk whatever the mailbox's size. After each chunk the folder's
 * progress is saved (UIDVALIDITY and the last UID dealt with), and each append carries an
 * idempotency key made of the folder, its UIDVALIDITY and the message's UID: a stop, a crash or a
 * dropped connection resumes at the checkpoint, and a chunk replayed after a crash between append
 * and checkpoint appends nothing twice.
 *
 * When a folder's UIDVALIDITY changed since the last pass, its UIDs no longer name the same
 * messages: the folder is walked again from the start, and messages whose size, internal date and
 * Message-ID match one already in the local folder are counted as copied instead of copied again.
 */
export async function copyMailbox(remote: RemoteMailbox, sink: LocalMailboxSink, progress: ProgressStore, opts: CopyOptions): Promise<CopyResult> {
  const { folders, personalPrefix } = await remote.listFolders();
  const plan = planFolders(folders, await sink.listMailboxes(), { personalPrefix });
  const result: CopyResult = { plan, stopped: false, messages: 0, bytes: 0, errors: 0 };
  for (const entry of plan.copy) {
    if (opts.signal?.aborted) break;
    try {
      await copyFolder(remote, sink, progress, entry, opts, result);
    } catch (err) {
      if (err instanceof StoppedError) break;
      throw err;
    }
  }
  result.stopped = !!opts.signal?.aborted;
  return result;
}

async function copyFolder(remote: RemoteMailbox, sink: LocalMailboxSink, progress: ProgressStore, entry: FolderPlanEntry, opts: CopyOptions, result: CopyResult): Promise<void> {
  const chunk = opts.chunkMessages ?? 200;
  const state = await remote.openFolder(entry.remotePath);
  await sink.ensureMailbox(entry.localName, entry.specialUse);
  const saved = await progress.load(entry.remotePath);
  let seenBefore: Map<string, number> | null = null;
  let p: FolderProgress;
  if (saved && saved.uidValidity === state.uidValidity) {
    p = { ...saved, localName: entry.localName, total: state.messages };
  } else {
    if (saved) seenBefore = await countFingerprints(sink.fingerprints(entry.localName));
    p = { remotePath: entry.remotePath, localName: entry.localName, uidValidity: state.uidValidity, lastUid: 0, total: state.messages, done: 0, bytes: 0, errors: saved?.errors ?? 0, lastError: saved?.lastError ?? null };
  }
  await progress.save(p);

  const folderKey = createHash('sha256').update(entry.remotePath).digest('base64url').slice(0, 16);
  const keyOf = (uid: number) => `migration:${opts.idempotencyScope}:${folderKey}:${state.uidValidity}:${uid}`;
  const end = state.uidNext - 1;
  let window = chunk * 4;
  let from = p.lastUid + 1;
  while (from <= end) {
    if (opts.signal?.aborted) return;
    const to = Math.min(end, from + window - 1);
    const metas = await remote.listMessages(from, to, { messageId: !!seenBefore });
    window = nextUidWindow(window, metas.length, chunk * 4);
    for (let i = 0; i < metas.length; i += chunk) {
      if (opts.signal?.aborted) return;
      const part = metas.slice(i, i + chunk);
      const before = { done: p.done, bytes: p.bytes, errors: p.errors };
      await copyChunk(remote, sink, entry, part, keyOf, seenBefore, p, opts);
      p.lastUid = part[part.length - 1].uid;
      await progress.save(p);
      const delta = { messages: p.done - before.done, bytes: p.bytes - before.bytes, errors: p.errors - before.errors };
      result.messages += delta.messages;
      result.bytes += delta.bytes;
      result.errors += delta.errors;
      opts.onChunk?.(delta);
    }
    if (p.lastUid < to) {
      p.lastUid = to;
      await progress.save(p);
    }
    from = to + 1;
  }
}

async function copyChunk(
  remote: RemoteMailbox,
  sink: LocalMailboxSink,
  entry: FolderPlanEntry,
  metas: RemoteMessageMeta[],
  keyOf: (uid: number) => string,
  seenBefore: Map<string, number> | null,
  p: FolderProgress,
  opts: CopyOptions,
): Promise<void> {
  let wanted = metas;
  if (seenBefore) {
    wanted = metas.filter((m) => {
      const fp = fingerprint(m.size, m.internalDate, m.messageId);
      const n = seenBefore.get(fp) ?? 0;
      if (!n) return true;
      seenBefore.set(fp, n - 1);
      p.done++;
      p.bytes += m.size;
      return false;
    });
  }
  if (!wanted.length) return;
  await opts.throttle?.(wanted.length);
  // stopped while waiting for the rate: nothing of this chunk was taken, the checkpoint stays before it
  if (opts.signal?.aborted) throw new StoppedError();
  const stored = new Map<number, StoredBody>();
  try {
    for (const group of bodyGroups(wanted, { maxCount: 100, maxBytes: opts.maxGroupBytes ?? 8 * 1024 * 1024, largeBytes: opts.largeMessageBytes ?? 4 * 1024 * 1024 })) {
      if (group.large) {
        const stream = await remote.downloadBody(group.items[0].uid);
        if (stream) stored.set(group.items[0].uid, await sink.storeBody(stream));
        continue;
      }
      for await (const { uid, body } of remote.fetchBodies(group.items.map((m) => m.uid))) {
        stored.set(uid, await sink.storeBody(body));
      }
    }
    const present = wanted.flatMap((m) => {
      const body = stored.get(m.uid);
      return body ? [{ m, body }] : [];
    });
    const items: LocalAppend[] = present.map(({ m, body }) => ({
      mailbox: entry.localName,
      body,
      flags: keptFlags(m.flags),
      internalDate: m.internalDate,
      idempotencyKey: keyOf(m.uid),
    }));
    const results: Awaited<ReturnType<LocalMailboxSink['append']>> = [];
    for (let i = 0; i < items.length; i += 100) results.push(...(await sink.append(items.slice(i, i + 100))));
    let transient: string | null = null;
    for (const [i, r] of results.entries()) {
      const { m, body } = present[i];
      if (r.ok) {
        // a duplicate was copied by an earlier attempt whose checkpoint was lost: count it as done
        if (r.duplicate) void sink.discardBody(body).catch(() => undefined);
        stored.delete(m.uid);
        p.done++;
        p.bytes += m.size;
        continue;
      }
      if (r.code === 'OVER_QUOTA') throw new AccountRefusedError(`the account is over its quota (${entry.localName}): ${r.message}`);
      if (isTransientCode(r.code)) {
        transient = r.message;
        continue;
      }
      // refused for good (the store found it invalid): counted, and the copy goes on
      p.errors++;
      p.lastError = `${entry.remotePath} UID ${m.uid}: ${r.message}`.slice(0, 500);
    }
    if (transient) throw new LocalUnavailableError(`the store could not take messages: ${transient}`);
  } finally {
    // bodies stored but not appended (an error part-way): removed, the retry stores them again
    for (const body of stored.values()) await sink.discardBody(body).catch(() => undefined);
  }
}

/** Flags as the store takes them: \Recent is session state (never copied), system flags canonical, keywords as they are. */
export function keptFlags(flags: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of flags) {
    if (!f.startsWith('\\')) {
      if (isAtom(f)) out.push(f);
      continue;
    }
    const sys = SYSTEM_FLAGS.get(f.toLowerCase());
    if (sys) out.push(sys);
  }
  return out.slice(0, 100);
}

/** a keyword the store (and IMAP, RFC 9051 atom) can carry: no specials, no spaces, no controls */
function isAtom(f: string): boolean {
  if (!f.length || f.length > 200) return false;
  for (const ch of f) {
    const c = ch.charCodeAt(0);
    if (c <= 0x20 || c >= 0x7f || '(){%*"\\]'.includes(ch)) return false;
  }
  return true;
}

async function countFingerprints(source: AsyncIterable<string>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const fp of source) counts.set(fp, (counts.get(fp) ?? 0) + 1);
  return counts;
}
