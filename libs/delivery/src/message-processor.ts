import type { Readable } from 'node:stream';
import { srsForward } from '@mail/srs';
import type { ArcSealer } from './dkim/arc-sealer.js';
import { ROOT_CONTEXT, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { Bus, type CachedRequester } from '@mail/bus';
import { BlobNotFoundError, BlobStore } from '@mail/blob';
import { AppendMessages, ContractError, isTransientCode, type AppendMessage, type RequestOf, type ResolveRecipient, type ResponseOf } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import type { DeliveryConfig } from './delivery.config.js';
import { deliveryMetrics } from './delivery-metrics.js';
import { deliveryReports, type AttemptResult, type DeliveryReports } from './dsn/delivery-reports.js';
import { countReceived, readHeaderBlock } from './dsn.js';
import type { OutboundSmtp } from './outbound-smtp.js';
import type { OutboundBody, OutboundDkimSigner } from './dkim/outbound-dkim-signer.js';
import type { ClaimedRecipient, QueuedMessage } from './queue.records.js';
import type { QueueRepository } from './queue.repository.js';
import type { QueueService } from './queue.service.js';
import { isExpired, retryDelayMs } from './retry-policy.js';
import { expansionOf } from './expansion.js';
import { traceRef, type Tracker } from './tracking.js';

/** `connector`: the outbound connector the attempt went through, for the trace */
type Outcome =
  | { kind: 'delivered'; detail: string; relayed: boolean; remoteHost?: string; connector?: string; dsnPassedOn?: boolean }
  | { kind: 'transient'; detail: string; connector?: string }
  | { kind: 'permanent'; detail: string; remote: boolean; connector?: string };

const tracer = trace.getTracer('delivery');

/** more Received fields than this is a loop (RFC 5321 §6.3 suggests 100 as the least; 25 is the platform's rule, issue 13) */
const MAX_RECEIVED = 25;

/** appends per store request: the store's batch contract allows up to 100 */
const APPEND_BATCH = 100;
/**
 * Carried indexes per store request, in characters: keeps a batch far below NATS's payload limit
 * (1 MiB by default). Items past the budget go without; the store then reads their blob.
 */
const CARRIED_INDEX_BUDGET = 384 * 1024;

type AppendItem = RequestOf<typeof AppendMessage>;

/** One local mailbox of a resolution, with the account's limits when it has any. */
type LocalAccount = Extract<ResponseOf<typeof ResolveRecipient>, { kind: 'local' }>['deliverTo'][number];

/** A recipient that resolved to local accounts: one append per account, then forwarding. */
interface LocalDelivery {
  message: QueuedMessage;
  recipient: ClaimedRecipient;
  accounts: LocalAccount[];
  forwardTo: string[];
  outcomes: Map<string, Outcome>;
}

const describe = (err: unknown) => (err instanceof ContractError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));

/**
 * One delivery attempt for the claimed recipients of one message: expand each through the
 * directory, append to local mailboxes (idempotently), send the rest by SMTP grouped by domain,
 * then record every recipient's fate and return a DSN to the sender for the ones that failed for good.
 */
export class MessageProcessor {
  constructor(
    private readonly config: DeliveryConfig,
    private readonly repo: QueueRepository,
    private readonly bus: Bus,
    private readonly recipients: CachedRequester<typeof ResolveRecipient>,
    private readonly blobs: BlobStore,
    private readonly outbound: Pick<OutboundSmtp, 'send'>,
    private readonly queue: QueueService,
    private readonly tracker: Tracker,
    private readonly logger: Logger,
    private readonly signer?: OutboundDkimSigner,
    private readonly reports: DeliveryReports = deliveryReports(config, repo, blobs, queue, logger),
    private readonly arc?: ArcSealer,
  ) {}

  /**
   * One attempt for everything one worker claimed. Every message keeps its own span in its own
   * trace (continued from smtp-in), but the local appends of the whole batch go to the store in
   * one request per 100 (the store's batch limit), and the delivered recipients are marked in one
   * statement: the bus and database round trips no longer grow with the number of messages.
   */
  async processBatch(workerId: string, batch: Array<{ message: QueuedMessage; recipients: ClaimedRecipient[] }>): Promise<void> {
    const attempts = batch.map(({ message, recipients }) => {
      const parent = message.traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent: message.traceparent }) : ROOT_CONTEXT;
      const span = tracer.startSpan('delivery.attempt', { attributes: { 'mail.queue_id': message.id, 'mail.recipients': recipients.length } }, parent);
      return { message, recipients, span, ctx: trace.setSpan(parent, span), outcomes: new Map<string, Outcome>() };
    });
    try {
      const local: LocalDelivery[] = [];
      for (const a of attempts) {
        await context.with(a.ctx, () => this.route(a.message, a.recipients, a.outcomes, local));
      }
      // the store's spans join the first message's trace; the others' traces end at their own span
      if (local.length) await context.with(attempts[0].ctx, () => this.appendAll(local));
      for (const a of attempts) {
        await context.with(a.ctx, () => this.sendRemote(a.message, a.recipients, a.outcomes));
      }
      await this.record(workerId, attempts);
    } catch (err) {
      for (const a of attempts) a.span.setStatus({ code: SpanStatusCode.ERROR, message: describe(err) });
      throw err;
    } finally {
      for (const a of attempts) a.span.end();
    }
  }

  /** Directory answers decide each recipient's way: local appends are collected, unknowns fail, remote ones wait for SMTP. */
  private async route(message: QueuedMessage, recipients: ClaimedRecipient[], outcomes: Map<string, Outcome>, local: LocalDelivery[]): Promise<void> {
    for (const r of recipients) {
      let resolution;
      try {
        resolution = await this.recipients.request({ address: r.address });
      } catch (err) {
        outcomes.set(r.id, { kind: 'transient', detail: `4.3.0 directory unavailable: ${describe(err)}` });
        continue;
      }
      if (resolution.kind === 'remote') continue;
      if (resolution.kind === 'unknown' || (!resolution.deliverTo.length && !resolution.forwardTo.length)) {
        outcomes.set(r.id, { kind: 'permanent', detail: `5.1.1 <${r.address}>: recipient not found`, remote: false });
        continue;
      }
      const expansion = expansionOf(r.address, resolution);
      if (expansion) this.tracker.track('expanded', traceRef(message), r.address, expansion);
      local.push({ message, recipient: r, accounts: resolution.deliverTo, forwardTo: resolution.forwardTo, outcomes });
    }
  }

  /**
   * Appends every local copy of the batch, then turns each recipient's appends into one outcome.
   * One copy per message and account: an account reached through several recipients of the same
   * message (itself and a group it is in, two groups) gets a single append, shared by all of them.
   */
  private async appendAll(local: LocalDelivery[]): Promise<void> {
    const byKey = new Map<string, { deliveries: LocalDelivery[]; account: LocalAccount; item: AppendItem; delivery: LocalDelivery }>();
    for (const d of local) {
      for (const account of d.accounts) {
        // the same key on every retry and for every recipient: a crash after the store committed,
        // or a second recipient that reaches the same account, never delivers twice
        const idempotencyKey = `${d.message.id}:${account.accountId}`;
        const seen = byKey.get(idempotencyKey);
        if (seen) {
          if (!seen.deliveries.includes(d)) seen.deliveries.push(d);
          continue;
        }
        byKey.set(idempotencyKey, {
          deliveries: [d],
          delivery: d,
          account,
          item: {
            accountId: account.accountId,
            // smtp-in's DMARC quarantine: the account's Junk mailbox, whatever it is called (created if it has none)
            ...(d.message.envelope?.recipients?.[d.recipient.address]?.junk ? { mailbox: 'Junk', specialUse: '\\Junk' as const } : { mailbox: 'INBOX' }),
            blobKey: d.message.blobKey,
            size: d.message.size,
            internalDate: d.message.receivedAt.toISOString(),
            idempotencyKey,
            ...(account.quota ? { quota: { bytes: account.quota.bytes, messages: account.quota.messages } } : {}),
          },
        });
      }
    }
    const items = [...byKey.values()];
    const failures = new Map<LocalDelivery, Outcome>();
    for (let i = 0; i < items.length; i += APPEND_BATCH) {
      const chunk = items.slice(i, i + APPEND_BATCH);
      let results;
      try {
        ({ results } = await this.bus.request(AppendMessages, { items: withCarriedIndexes(chunk) }));
      } catch (err) {
        for (const c of chunk) for (const d of c.deliveries) failures.set(d, { kind: 'transient', detail: `4.2.0 mailbox store unavailable: ${describe(err)}` });
        continue;
      }
      chunk.forEach((c, k) => {
        const r = results[k];
        if (!r || r.ok) return;
        const permanent = r.code !== 'OVER_QUOTA' && !isTransientCode(r.code);
        const outcome: Outcome = r.code === 'OVER_QUOTA'
          ? overQuotaOutcome(c.account, r.message)
          : permanent
          ? { kind: 'permanent', detail: `5.2.0 mailbox of <${c.account.address}> refused the message: ${r.code}: ${r.message}`, remote: false }
          : { kind: 'transient', detail: `4.2.0 mailbox of <${c.account.address}> unavailable: ${r.code}: ${r.message}` };
        for (const d of c.deliveries) if (!failures.has(d)) failures.set(d, outcome);
      });
    }
    for (const d of local) {
      const failed = failures.get(d);
      if (failed) {
        d.outcomes.set(d.recipient.id, failed);
        continue;
      }
      if (d.forwardTo.length) {
        const added = await this.repo.addRecipients(d.message.id, d.forwardTo);
        if (added) this.queue.wake();
      }
      d.outcomes.set(d.recipient.id, { kind: 'delivered', detail: d.forwardTo.length ? `delivered locally, forwarded to ${d.forwardTo.length}` : 'delivered locally', relayed: false });
    }
  }

  /** Remote recipients of one message by SMTP, one transaction per domain. */
  private async sendRemote(message: QueuedMessage, recipients: ClaimedRecipient[], outcomes: Map<string, Outcome>): Promise<void> {
    // local recipients have their outcome by now: what is left is remote
    const remote = recipients.filter((r) => !outcomes.has(r.id));
    if (!remote.length) return;
    const body = await this.outboundBody(message, remote, outcomes);
    if (!body) return;
    const sender = await this.envelopeSender(message);
    for (const [domain, group] of groupByDomain(remote)) {
      let results;
      try {
        results = await this.outbound.send(domain, sender, group.map((g) => g.address), body.open, body.size, { params: message.envelope, utf8Headers: body.utf8Headers });
      } catch (err) {
        const lost = err instanceof BlobNotFoundError;
        for (const g of group) {
          outcomes.set(g.id, lost ? { kind: 'permanent', detail: '5.3.0 message body lost', remote: false } : { kind: 'transient', detail: `4.3.0 ${describe(err)}` });
        }
        continue;
      }
      for (const g of group) {
        const res = results.find((x) => x.address === g.address);
        if (!res || res.result === 'transient') outcomes.set(g.id, { kind: 'transient', detail: res?.detail ?? '4.4.0 no result', connector: res?.connector });
        else if (res.result === 'permanent') outcomes.set(g.id, { kind: 'permanent', detail: res.detail, remote: true, connector: res.connector });
        else outcomes.set(g.id, { kind: 'delivered', detail: res.detail, relayed: true, remoteHost: res.remoteHost, connector: res.connector, dsnPassedOn: res.dsnPassedOn });
      }
    }
  }

  /**
   * The MAIL FROM a message leaves with. A sender of a domain hosted here goes as it is (our SPF
   * covers it); any other (mail forwarded by an alias or group to another domain, or relayed for a
   * foreign sender) is rewritten with SRS into our SRS domain, so the next hop's SPF check asks
   * about us and does not fail; a bounce to it comes back to smtp-in, which reverses it (ADR 0041).
   * The null sender is never rewritten. When the directory cannot say, the address is rewritten:
   * a rewritten hosted address still reverses to itself.
   */
  private async envelopeSender(message: QueuedMessage): Promise<string> {
    const srs = this.config.srs;
    if (!srs || !message.mailFrom) return message.mailFrom;
    try {
      if ((await this.recipients.request({ address: message.mailFrom })).kind !== 'remote') return message.mailFrom;
    } catch {
      // fall through: rewriting is the safe side
    }
    return srsForward(message.mailFrom, srs, Date.now());
  }

  /**
   * Mail from the internet that leaves again was forwarded by one of our domains (an alias or group
   * with a remote member): ARC-sealed with that domain's DKIM key (RFC 8617, ADR 0041). The domain
   * is the first hosted one among the message's recipients. Best effort: any failure sends it
   * unsealed (SRS already keeps SPF from failing), logged.
   */
  private async arcSealed(message: QueuedMessage, read: () => Promise<Readable>, headers: Buffer): Promise<OutboundBody | null> {
    if (!this.arc) return null;
    try {
      for (const domain of new Set((await this.repo.recipientAddresses(message.id)).map((a) => a.slice(a.lastIndexOf('@') + 1).toLowerCase()))) {
        if ((await this.recipients.request({ address: `postmaster@${domain}` })).kind === 'remote') continue;
        return await this.arc.seal(domain, message, read, headers);
      }
    } catch (err) {
      this.logger.warn({ queueId: message.id, err: describe(err) }, 'ARC sealing failed; the message goes unsealed');
    }
    return null;
  }

  /**
   * The message as it leaves: refused when it has looped (more than 25 Received fields, RFC 5321
   * §6.3), DKIM-signed when it is ours to sign. On failure every remote recipient gets the outcome.
   */
  private async outboundBody(message: QueuedMessage, remote: ClaimedRecipient[], outcomes: Map<string, Outcome>): Promise<(OutboundBody & { utf8Headers: boolean }) | null> {
    const read = () => this.blobs.get(message.blobKey);
    const fail = (outcome: Outcome) => {
      for (const r of remote) outcomes.set(r.id, outcome);
      return null;
    };
    try {
      const headers = await readHeaderBlock(await read());
      const hops = countReceived(headers);
      if (hops > MAX_RECEIVED) return fail({ kind: 'permanent', detail: `5.4.6 mail loop: the message has passed ${hops} mail servers`, remote: false });
      // header fields in UTF-8 submitted under SMTPUTF8 need a next hop that offers it (RFC 6532)
      const utf8Headers = !!message.envelope?.smtpUtf8 && headers.some((b) => b > 0x7f);
      const body = this.signer ? await this.signer.bodyFor(message, read, headers) : { open: read, size: message.size, signedBy: null };
      if (body.signedBy === null && message.source.protocol === 'smtp') {
        const sealed = await this.arcSealed(message, read, headers);
        if (sealed) return { ...sealed, utf8Headers };
      }
      return { ...body, utf8Headers };
    } catch (err) {
      if (err instanceof BlobNotFoundError) return fail({ kind: 'permanent', detail: '5.3.0 message body lost', remote: false });
      this.logger.error({ queueId: message.id, err: describe(err) }, 'preparing the outbound message failed; it waits for a retry');
      return fail({ kind: 'transient', detail: `4.7.0 DKIM signing failed: ${describe(err)}` });
    }
  }

  private async record(workerId: string, attempts: Array<{ message: QueuedMessage; recipients: ClaimedRecipient[]; outcomes: Map<string, Outcome> }>): Promise<void> {
    // the common case in one statement: everything delivered in this batch
    const delivered = attempts.flatMap((a) =>
      a.recipients.flatMap((r) => {
        const o = a.outcomes.get(r.id);
        return o?.kind === 'delivered' ? [{ id: r.id, detail: o.detail.slice(0, 500) }] : [];
      }),
    );
    const kept = new Set(delivered.length ? await this.repo.markDeliveredMany(workerId, delivered) : []);

    for (const { message, recipients, outcomes } of attempts) {
      const ref = traceRef(message);
      const reported: AttemptResult[] = [];
      for (const r of recipients) {
        let outcome = outcomes.get(r.id) ?? { kind: 'transient' as const, detail: '4.0.0 not attempted' };
        if (outcome.kind === 'transient' && isExpired(message.receivedAt, this.config.expiryHours)) {
          outcome = { kind: 'permanent', detail: `4.4.7 delivery time expired, last error: ${outcome.detail}`, remote: false, connector: outcome.connector };
        }
        let ours: boolean;
        if (outcome.kind === 'delivered') {
          ours = kept.has(r.id);
          deliveryMetrics.attempt(outcome.relayed ? 'relayed' : 'delivered');
          deliveryMetrics.delivered(message.receivedAt);
          this.tracker.track(outcome.relayed ? 'relayed' : 'delivered', ref, r.address, outcome.detail, { remoteHost: outcome.remoteHost, connector: outcome.connector });
          // the next hop took NOTIFY/ORCPT (RFC 3461 §4.2): its report replaces our "relayed" one
          if (ours && !outcome.dsnPassedOn) reported.push({ id: r.id, address: r.address, kind: outcome.relayed ? 'relayed' : 'delivered', detail: outcome.detail, remote: outcome.relayed });
        } else if (outcome.kind === 'transient') {
          const delayMs = retryDelayMs(r.attempts, this.config.retrySchedule);
          ours = await this.repo.markDeferred(workerId, r.id, outcome.detail, delayMs);
          deliveryMetrics.attempt('deferred');
          this.tracker.track('deferred', ref, r.address, outcome.detail, { nextAttemptAt: new Date(Date.now() + delayMs).toISOString(), connector: outcome.connector });
          if (ours) reported.push({ id: r.id, address: r.address, kind: 'deferred', detail: outcome.detail, remote: false });
        } else {
          // never bounce a bounce: a failed DSN (null sender) just ends here
          const status = message.mailFrom === '' ? 'failed' : 'bounced';
          ours = await this.repo.markFinal(workerId, r.id, status, outcome.detail);
          deliveryMetrics.attempt(status);
          this.tracker.track(status, ref, r.address, status === 'bounced' ? `${outcome.detail}; DSN to <${message.mailFrom}>` : `${outcome.detail}; no DSN (null sender)`, { connector: outcome.connector });
          if (ours && status === 'bounced') reported.push({ id: r.id, address: r.address, kind: 'bounced', detail: outcome.detail, remote: outcome.remote });
        }
        if (!ours) this.logger.warn({ queueId: message.id, recipient: r.address }, 'lease lost before recording the outcome; another worker owns the recipient now');
        this.logger.info({ queueId: message.id, recipient: r.address, outcome: outcome.kind, detail: outcome.detail }, 'delivery attempt');
      }
      await this.reports.afterAttempt(message, reported);
    }
  }
}

/** A full mailbox waits (4.2.2, retried until expiry) or bounces at once (5.2.2), as its domain says. */
function overQuotaOutcome(account: LocalAccount, why: string): Outcome {
  return account.quota?.overQuota === 'reject'
    ? { kind: 'permanent', detail: `5.2.2 <${account.address}>: mailbox full: ${why}`, remote: false }
    : { kind: 'transient', detail: `4.2.2 <${account.address}>: mailbox full: ${why}` };
}

function groupByDomain(recipients: ClaimedRecipient[]): Map<string, ClaimedRecipient[]> {
  const groups = new Map<string, ClaimedRecipient[]>();
  for (const r of recipients) {
    const domain = r.address.slice(r.address.lastIndexOf('@') + 1).toLowerCase();
    groups.set(domain, [...(groups.get(domain) ?? []), r]);
  }
  return groups;
}

/**
 * The items of one store request, each blob's carried index on the first item with that blob (the
 * store shares it between them) until the budget is spent.
 */
function withCarriedIndexes(chunk: Array<{ delivery: LocalDelivery; item: AppendItem }>): AppendItem[] {
  const carried = new Set<string>();
  let budget = CARRIED_INDEX_BUDGET;
  return chunk.map(({ delivery, item }) => {
    const index = delivery.message.index;
    if (!index || carried.has(item.blobKey) || index.length > budget) return item;
    carried.add(item.blobKey);
    budget -= index.length;
    return { ...item, index };
  });
}
