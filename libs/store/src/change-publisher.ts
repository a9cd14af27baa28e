import { Bus } from '@mail/bus';
import { AclChanged, MailboxChanged, MetadataChanged, SubscriptionChanged, type EventOf } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';

export type MailboxChange = EventOf<typeof MailboxChanged>;

/**
 * Publishes committed changes on `store.mailbox.changed.v1.<accountId>`. Called only after the
 * transaction committed; a failed publish is logged, never turned into a failed request, because
 * the change itself is durable and sessions catch up through MailboxChanges.
 *
 * `flushed`: in a process other than the store that answers its client itself (`access`, which runs
 * the store's APPEND, STORE and EXPUNGE: StoreReadsModule), `publish` resolves only once the bus
 * has the events (ADR 0074's order: another replica's next NOOP must not come before them). The
 * flush is asked in the same turn as the publishes, so a NATS connection writes events and PING
 * together, one system call and one wake-up of the server, instead of the events alone and then
 * the PING (ADR 0080). A failed flush is logged; the change is committed and answered all the same.
 */
export class ChangePublisher {
  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly flushed = false,
  ) {}

  /**
   * All of them handed to the bus in one go, in order, without waiting between them: the NATS client
   * writes what was published in one turn of the event loop in one socket write, while an await after
   * each publish made every event of a delivery batch (one per mailbox) a write of its own.
   */
  async publish(changes: MailboxChange[]): Promise<void> {
    // an async function runs up to its first await at once: the publishes are made here, in order
    const published = changes.map(async (change) => {
      try {
        await this.bus.publish(MailboxChanged, change, change.accountId);
      } catch (err) {
        this.logger.warn({ err, mailboxId: change.mailboxId, kind: change.kind }, 'mailbox change event not published');
      }
    });
    // then the flush, in the same turn: on NATS one write with the events (ADR 0080)
    const out =
      this.flushed && changes.length
        ? this.bus.ping().catch((err: unknown) => {
            this.logger.warn({ err, kinds: changes.map((c) => c.kind) }, 'could not flush the change event before the reply');
          })
        : undefined;
    await Promise.all(published);
    await out;
  }

  /** A subscription list change; like a mailbox change, published after it is durable, never failing the request. */
  async publishSubscription(change: EventOf<typeof SubscriptionChanged>): Promise<void> {
    try {
      await this.bus.publish(SubscriptionChanged, change, change.accountId);
    } catch (err) {
      this.logger.warn({ err, kind: 'subscription' }, 'subscription change event not published');
    }
  }

  /** Annotation entries written or removed (NOTIFY's metadata events); after the commit, never failing the request. */
  async publishMetadata(change: EventOf<typeof MetadataChanged>): Promise<void> {
    try {
      await this.bus.publish(MetadataChanged, change, change.accountId);
    } catch (err) {
      this.logger.warn({ err, kind: 'metadata' }, 'metadata change event not published');
    }
  }

  /** A mailbox's rights changed for one grantee (or `anyone`), on its tenant's subject; after the commit, never failing the request. */
  async publishAcl(change: EventOf<typeof AclChanged>): Promise<void> {
    try {
      await this.bus.publish(AclChanged, change, change.tenant);
    } catch (err) {
      this.logger.warn({ err, kind: 'acl' }, 'acl change event not published');
    }
  }
}
