import type { Readable } from 'node:stream';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { Bus, type CachedRequester } from '@mail/bus';
import { BlobStore, newBlobKey } from '@mail/blob';
import { CheckSender, EmailAddress, EnqueueMessage, ResolveRecipient, VerifyLogin, encodeCarriedIndex, VERIFY_LOGIN_TIMEOUT_MS } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import { receiveIntoBlob } from '@mail/intake';
import { receivedHeader } from './received-header.js';
import { RefusalTrace, transactionId } from './refusal-trace.js';
import type { SmtpInConfig } from './smtp-in.config.js';
import { smtpMetrics } from './smtp-in-metrics.js';
import { smtpError } from './smtp-reply.js';
import { boundedResolver, cachingResolver, createDnsResolver, type DnsResolver } from '@mail/dns';
import { LocalRecipientPolicy } from './local-recipient-policy.js';
import { ClaimedAuthResultsFilter } from './auth-results-filter.js';
import { inboundTrust } from './inbound-trust.js';
import { authenticateMessage } from './message-authentication.js';
import { holdWhileVerifying, type HeldBody } from './verified-intake.js';
import type { InboundConnectors } from './inbound-connectors.js';
import { evaluatedIp } from './trust-ip.js';
import { DmarcEnforcer } from './dmarc-enforcer.js';
import { checkDsnParams, envelopeParams } from './envelope-params.js';
import { checkAddressEncoding, expandPostmaster, reverseSrs } from './address-rules.js';

export type ListenerKind = 'mx' | 'submission' | 'submissions';

/** What onAuth stores in `session.user`. */
export interface SessionUser {
  accountId: string;
  address: string;
}

type Handlers = Pick<SMTPServerOptions, 'onConnect' | 'onAuth' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onSecure'>;

const tracer = trace.getTracer('smtp-in');

const TEMPFAIL = '4.3.0 temporary failure, try again later';

/**
 * The decisions of an SMTP session, for any listener: who may log in, who may send, which
 * recipients are accepted, and what happens to DATA. Everything that can fail on our side answers
 * 4xx, so that the client retries instead of the message being lost.
 */
export class SmtpSessionPolicy {
  /** every lookup of the checks: bounded in time, answers reused for a while (mail from one domain comes in bursts) */
  private readonly dns: DnsResolver;
  private readonly localRecipients: LocalRecipientPolicy;
  readonly dmarc: DmarcEnforcer;
  private readonly refusals: RefusalTrace;

  constructor(
    private readonly config: SmtpInConfig,
    private readonly bus: Bus,
    private readonly blobs: BlobStore,
    private readonly recipients: CachedRequester<typeof ResolveRecipient>,
    private readonly logger: Logger,
    /** inbound connectors (MX listener); absent in tests of the session alone */
    private readonly connectors?: InboundConnectors,
  ) {
    this.refusals = new RefusalTrace(bus, logger);
    this.localRecipients = new LocalRecipientPolicy(bus, logger);
    const auth = config.inboundAuth;
    const ttlMs = auth?.cacheTtlMs ?? 60_000;
    const lookupMs = auth?.timeoutMs ?? 2000;
    const resolver = auth?.resolver ? boundedResolver(auth.resolver, lookupMs) : createDnsResolver({ servers: config.dnsServers, timeoutMs: lookupMs });
    this.dns = ttlMs > 0 ? cachingResolver(resolver, { ttlMs, maxEntries: 10_000 }) : resolver;
    this.dmarc = new DmarcEnforcer(bus, config.recipientCacheTtlMs ?? 30_000);
  }

  handlers(listener: ListenerKind): Handlers {
    return {
      onConnect: (session, cb) => {
        smtpMetrics.session(listener);
        // AUTH where it would be refused (plain text, before STARTTLS) is not advertised at all
        if (listener === 'submission' && !this.config.allowPlaintextAuth && !session.secure) session.disabledCommands = ['AUTH'];
        this.logger.debug({ listener, session: session.id, remote: session.remoteAddress }, 'smtp session opened');
        cb();
      },
      onAuth: (auth, session, cb) => void this.auth(auth, session).then((user) => cb(null, { user }), (err) => cb(err)),
      onMailFrom: (address, session, cb) => void this.mailFrom(listener, address, session).then(() => cb(), (err) => cb(err)),
      onRcptTo: (address, session, cb) => void this.rcptTo(listener, address, session).then(() => cb(), (err) => (this.refusals.recipient(session, address.address, err, this.connectorName(listener, session)), cb(err))),
      onData: (stream, session, cb) => void this.data(listener, stream, session).then((reply) => cb(null, reply), (err) => (this.refusals.message(session, err, this.connectorName(listener, session)), cb(err))),
      ...(listener === 'submission'
        ? {
            onSecure: (_socket: unknown, session: SMTPServerSession, cb: () => void) => {
              session.disabledCommands = undefined;
              cb();
            },
          }
        : {}),
    };
  }

  private async auth(auth: SMTPServerAuthentication, session: SMTPServerSession): Promise<SessionUser> {
    const username = auth.username ?? '';
    const password = auth.password ?? '';
    if (!username || username.length > 320 || password.length > 1024) {
      smtpMetrics.rejected('auth_failed');
      throw smtpError(535, '5.7.8 authentication failed');
    }
    let result;
    try {
      result = await this.bus.request(VerifyLogin, { username, password, protocol: 'smtp', remoteAddress: session.remoteAddress }, { timeoutMs: VERIFY_LOGIN_TIMEOUT_MS });
    } catch (err) {
      this.logger.warn({ err: describe(err), session: session.id }, 'login check unavailable');
      throw smtpError(454, '4.7.0 temporary authentication failure, try again later');
    }
    if (!result.ok && (result.reason === 'busy' || result.reason === 'throttled')) {
      // not a wrong password: the client over its attempt limit, or the hash queue full
      smtpMetrics.rejected('auth_failed');
      throw smtpError(454, '4.7.0 temporary authentication failure, try again later');
    }
    if (!result.ok) {
      smtpMetrics.rejected('auth_failed');
      // no user name: people type their password into it (the directory logs a hash of it)
      this.logger.info({ session: session.id, reason: result.reason, remote: session.remoteAddress }, 'smtp login refused');
      throw smtpError(535, '5.7.8 authentication failed');
    }
    return { accountId: result.accountId, address: result.address };
  }

  private async mailFrom(listener: ListenerKind, address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const from = address.address;
    checkDsnParams('mail', address);
    checkAddressEncoding(from, !!session.envelope.smtpUtf8, 'sender');
    if (listener !== 'mx' && !session.user) {
      // AUTH is not even offered before STARTTLS (see onConnect), so smtp-server's own check does not run there
      throw smtpError(530, '5.7.0 authentication required');
    }
    if (from !== '' && !EmailAddress.safeParse(from).success) {
      smtpMetrics.rejected('bad_address');
      throw smtpError(553, '5.1.7 bad sender address syntax');
    }
    const user = session.user as SessionUser | undefined;
    if (listener !== 'mx' && user && from !== '') {
      // the null path stays open to authenticated users (auto-replies); the header From is checked after DATA
      if (!(await this.mayUse(user, from))) {
        smtpMetrics.rejected('sender_not_owned');
        throw smtpError(553, '5.7.1 sender not owned by the authenticated user');
      }
    }
    if (listener === 'mx' && this.connectors) {
      await this.connectors.atMailFrom(session, from).catch((err: Error & { connector?: string }) => {
        if (err.connector) this.refusals.sender(session, from, err, err.connector);
        throw err;
      });
    }
  }

  private async rcptTo(listener: ListenerKind, address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    expandPostmaster(address, this.config.postmaster ?? `postmaster@${this.config.hostname}`);
    // a bounce (or reply) to a sender we rewrote when forwarding goes back to that sender, wherever it is
    const reversed = listener === 'mx' && reverseSrs(address, this.config.srs);
    const rcpt = address.address;
    checkDsnParams('rcpt', address);
    checkAddressEncoding(rcpt, !!session.envelope.smtpUtf8, 'recipient');
    const repeated = session.envelope.rcptTo.some((r) => r.address.toLowerCase() === rcpt.toLowerCase());
    if (!repeated && session.envelope.rcptTo.length >= this.config.maxRecipients) {
      smtpMetrics.rejected('too_many_recipients');
      throw smtpError(452, '4.5.3 too many recipients');
    }
    if (!EmailAddress.safeParse(rcpt).success) {
      smtpMetrics.rejected('bad_address');
      throw smtpError(553, '5.1.3 bad recipient address syntax');
    }
    let resolution;
    try {
      resolution = await this.recipients.request({ address: rcpt });
    } catch (err) {
      this.logger.warn({ err: describe(err), session: session.id }, 'recipient lookup unavailable');
      throw smtpError(451, TEMPFAIL);
    }
    if (resolution.kind === 'local') {
      // hosted: an authenticated user, or the organisation's own servers behind an onPremises/relay connector
      const hostedSender = (listener !== 'mx' && !!session.user) || (listener === 'mx' && !!this.connectors?.mayRelay(session));
      return this.localRecipients.check(rcpt, resolution, { hostedSender, declaredSize: declaredSize(session) });
    }
    if (resolution.kind === 'unknown') {
      smtpMetrics.rejected('unknown_recipient');
      throw smtpError(550, `5.1.1 <${rcpt}>: recipient not found`);
    }
    if (listener !== 'mx' && session.user) return;
    if (listener === 'mx' && (reversed || this.connectors?.mayRelay(session))) return;
    smtpMetrics.rejected('relay_denied');
    throw smtpError(554, '5.7.1 relay access denied');
  }

  private async data(listener: ListenerKind, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    return tracer.startActiveSpan('smtp.message', { attributes: { 'smtp.listener': listener, 'smtp.session': session.id } }, async (span) => {
      try {
        const reply = await this.receive(listener, stream, session);
        span.setAttribute('mail.queue_id', reply.queueId);
        return reply.text;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  private async receive(listener: ListenerKind, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<{ queueId: string; text: string }> {
    const envelope = session.envelope;
    const mailFrom = envelope.mailFrom ? envelope.mailFrom.address : '';
    const recipients = envelope.rcptTo.map((r) => r.address);
    const user = session.user as SessionUser | undefined;
    const receivedAt = new Date();
    const localId = transactionId(session);
    const connector = this.connectorName(listener, session);
    const maxBytes = listener === 'mx' && this.connectors ? this.connectors.maxMessageSize(session, this.config.maxMessageSize) : this.config.maxMessageSize;

    // Our Received: goes on top, the Authentication-Results we add sits right under it (as the
    // receiving MTAs of the big providers do): the newest trace header always comes first.
    const received = receivedHeader({
      helo: session.hostNameAppearsAs || 'unknown',
      clientHostname: session.clientHostname,
      remoteAddress: session.remoteAddress,
      hostname: this.config.hostname,
      protocol: transmissionType(session),
      utf8: !!session.envelope.smtpUtf8,
      id: localId,
      recipients,
      date: receivedAt,
      connector,
    });

    const key = newBlobKey();
    const trust = inboundTrust(listener, session);
    let body: Readable = stream as unknown as Readable;
    let held: HeldBody | undefined;
    let authResults = '';
    let junk: string[] = [];
    if (trust.verify && this.config.inboundAuth?.enabled !== false) {
      const hold = await holdWhileVerifying(body, {
        blobs: this.blobs,
        spoolKey: `${key}.spool`,
        holdBytes: this.config.inboundAuth?.holdBytes,
        maxBytes,
        verify: async (received) => {
          const { ip, message } = await evaluatedIp(trust, received);
          return authenticateMessage(
            message,
            { ip, helo: session.hostNameAppearsAs || '', sender: mailFrom, hostname: this.config.hostname },
            { resolver: this.dns, timeoutMs: this.config.inboundAuth?.verifyTimeoutMs, bimi: this.config.inboundAuth?.bimi },
          );
        },
      });
      if (!hold.ok) throw this.intakeFailed(hold.reason === 'too-large' ? hold : { reason: 'store-failed', error: hold.error }, session);
      held = hold.body;
      let decision;
      try {
        decision = await this.dmarc.decide(hold.verdict, recipients);
      } catch (err) {
        await held.release();
        this.logger.warn({ err: describe(err), session: session.id }, 'domain policy lookup unavailable');
        smtpMetrics.rejected('temporary_failure');
        throw smtpError(451, TEMPFAIL);
      }
      const { dmarc } = hold.verdict;
      smtpMetrics.dmarc(dmarc.result, decision.refuse ? 'reject' : decision.junk.length ? 'junk' : 'deliver');
      if (decision.refuse) {
        await held.release();
        smtpMetrics.rejected('dmarc_reject');
        this.logger.info({ session: session.id, from: dmarc.fromDomain, remote: trust.ip }, 'refused by the sender domain DMARC policy');
        throw smtpError(550, `5.7.1 message refused: DMARC policy of ${dmarc.fromDomain ?? 'the sender domain'} is reject and the message failed DMARC`);
      }
      junk = decision.junk;
      authResults = hold.verdict.header + decision.marker;
      try {
        body = await held.read();
      } catch (error) {
        await held.release();
        throw this.intakeFailed({ reason: 'store-failed', error }, session);
      }
    }

    // forged verdicts of ours come out of every message, whichever listener it came in on
    const filter = new ClaimedAuthResultsFilter(this.config.hostname);
    // pipe, not pipeline(): pipeline builds an AbortController and, when it finishes, a DOMException
    // with a stack trace per message (~1 % of smtp-in's CPU in the ingest profile); the two
    // listeners below are what it did for us here (the filter itself never fails)
    body.pipe(filter);
    body.once('error', (err) => filter.destroy(err));
    body.once('close', () => {
      if (!body.readableEnded) filter.destroy(new Error('connection closed during DATA'));
    });
    // a body kept as a database row need not wait for its own WAL flush: the queue entry's
    // synchronous commit covers it when the row is visible to it, and we flush it otherwise, before
    // the 250 either way (ADR 0067)
    const intake = await receiveIntoBlob(filter, {
      blobs: this.blobs,
      key,
      prefix: Buffer.from(received + authResults, 'utf8'),
      maxBytes,
      flush: 'with-next-commit',
    }).finally(() => held?.release());
    if (!intake.ok) throw this.intakeFailed(intake, session);
    if (filter.removed) this.logger.info({ session: session.id, removed: filter.removed }, 'removed Authentication-Results claiming our name');

    const dropBlob = () => this.blobs.delete(key).catch((err) => this.logger.warn({ err: describe(err), key }, 'could not delete refused blob'));

    if (connector && this.connectors) {
      try {
        await this.connectors.checkHeaderFrom(session, intake.headers.from);
      } catch (err) {
        await dropBlob();
        throw err;
      }
    }

    if (listener !== 'mx' && user) {
      let owned: boolean;
      try {
        owned = (await Promise.all(intake.headers.from.map((a) => this.mayUse(user, a)))).every(Boolean);
      } catch {
        await dropBlob();
        smtpMetrics.rejected('temporary_failure');
        throw smtpError(451, TEMPFAIL);
      }
      if (!owned) {
        await dropBlob();
        smtpMetrics.rejected('sender_not_owned');
        throw smtpError(550, '5.7.1 header From not owned by the authenticated user');
      }
    }

    let queued: { queueId: string; bodyCovered?: boolean };
    try {
      queued = await this.bus.request(
        EnqueueMessage,
        {
          blobKey: key,
          size: intake.size,
          mailFrom,
          recipients,
          receivedAt: receivedAt.toISOString(),
          messageId: intake.headers.messageId,
          subject: intake.headers.subject,
          source: {
            protocol: listener === 'mx' ? 'smtp' : 'submission',
            remoteAddress: session.remoteAddress.slice(0, 64),
            heloName: (session.hostNameAppearsAs || '').slice(0, 255) || undefined,
            authenticatedAs: user?.address,
            ...(connector ? { connector } : {}),
            ...traceSource(session, localId),
          },
          index: intake.index && encodeCarriedIndex(intake.index),
          envelope: envelopeParams(session, junk),
          ...(intake.deferred ? { bodyUnflushed: true } : {}),
        },
        { timeoutMs: this.config.enqueueTimeoutMs ?? 30_000 },
      );
    } catch (err) {
      this.logger.error({ err: describe(err), session: session.id }, 'enqueue failed');
      await dropBlob();
      smtpMetrics.rejected('temporary_failure');
      throw smtpError(451, TEMPFAIL);
    }
    const { queueId } = queued;
    // the queue's commit did not see the body row (another database or server, a failover since,
    // or a delivery that does not check): make it durable here, or refuse if it is gone
    if (intake.deferred && queued.bodyCovered !== true) await this.flushBlob(key, session);
    smtpMetrics.accepted();
    if (connector) this.connectors?.accepted(session, intake.size);
    this.logger.info({ session: session.id, queueId, size: intake.size, rcpts: recipients.length, messageId: intake.headers.messageId }, 'message queued');
    return { queueId, text: `2.0.0 OK queued as ${queueId}` };
  }

  /**
   * The queue entry is written and refers to the blob: whatever happens, the blob stays (a
   * duplicate after the sender's retry is better than a queue entry without its body). A body that
   * is gone (committed, never flushed, on a server that failed over) is refused with 451: the
   * sender retries, and the queue entry meets delivery's missing-body handling.
   */
  private async flushBlob(key: string, session: SMTPServerSession): Promise<void> {
    let held: boolean;
    try {
      held = await this.blobs.flushPut(key);
    } catch (err) {
      this.logger.error({ err: describe(err), session: session.id }, 'could not flush the message body');
      smtpMetrics.rejected('temporary_failure');
      throw smtpError(451, TEMPFAIL);
    }
    if (!held) {
      this.logger.error({ session: session.id, key }, 'the message body was lost before it was flushed');
      smtpMetrics.rejected('temporary_failure');
      throw smtpError(451, TEMPFAIL);
    }
  }

  private intakeFailed(f: { reason: 'too-large' } | { reason: 'store-failed'; error: unknown }, session: SMTPServerSession): Error {
    if (f.reason === 'too-large') {
      smtpMetrics.rejected('too_large');
      return smtpError(552, `5.3.4 message exceeds fixed maximum message size ${this.config.maxMessageSize}`);
    }
    this.logger.error({ err: describe(f.error), session: session.id }, 'could not store message');
    smtpMetrics.rejected('temporary_failure');
    return smtpError(451, TEMPFAIL);
  }

  /** the inbound connector a session on the MX listener is attributed to, if any */
  private connectorName(listener: ListenerKind, session: SMTPServerSession): string | undefined {
    return listener === 'mx' ? this.connectors?.attribution(session)?.connector.name : undefined;
  }

  /** CheckSender errors propagate: the caller answers 4xx rather than refusing a legitimate sender. */
  private async mayUse(user: SessionUser, address: string): Promise<boolean> {
    if (address.toLowerCase() === user.address.toLowerCase()) return true;
    try {
      return (await this.bus.request(CheckSender, { accountId: user.accountId, address })).allowed;
    } catch (err) {
      this.logger.warn({ err: describe(err) }, 'sender check unavailable');
      throw smtpError(451, TEMPFAIL);
    }
  }
}

/** What message trace records of how the message arrived (ADR 0013). */
function traceSource(session: SMTPServerSession, localId: string) {
  const cipher = session.secure ? (session as { tlsOptions?: { name?: string; standardName?: string; version?: string } | false }).tlsOptions : undefined;
  return {
    session: localId,
    port: (session as { localPort?: number }).localPort || undefined,
    tls: cipher && cipher.version ? { version: cipher.version.slice(0, 32), cipher: (cipher.standardName || cipher.name || '').slice(0, 128) } : undefined,
  };
}

/** The SIZE parameter of MAIL FROM (RFC 1870), when the client gave a sane one. */
function declaredSize(session: SMTPServerSession): number | undefined {
  const args = (session.envelope.mailFrom || undefined)?.args as Record<string, string> | false | undefined;
  const size = args ? Number(args.SIZE) : NaN;
  return Number.isSafeInteger(size) && size > 0 ? size : undefined;
}

/** RFC 3848 protocol names for the Received header. */
function transmissionType(session: SMTPServerSession): string {
  const esmtp = (session.openingCommand || '').toUpperCase() !== 'HELO';
  // RFC 6531 §3.7.3: UTF8SMTP/UTF8SMTPS/UTF8SMTPA/UTF8SMTPSA for an SMTPUTF8 transaction
  if (session.envelope?.smtpUtf8) return `UTF8SMTP${session.secure ? 'S' : ''}${session.user ? 'A' : ''}`;
  return `${esmtp ? 'ESMTP' : 'SMTP'}${session.secure ? 'S' : ''}${session.user ? 'A' : ''}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
