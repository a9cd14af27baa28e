import { Injectable } from '@nestjs/common';
import { Bus, type Subscription } from '@mail/bus';
import { AclChanged, MailboxChanged, MetadataChanged, SubscriptionChanged, type EventContract, type EventOf } from '@mail/contracts';
import { ChangeFeedPort, type AclChangedEvent, type ChangeSubscription, type MailboxChangedEvent, type MetadataChangedEvent, type SubscriptionChangedEvent } from '../ports/change-feed.port.js';

type Handler = (event: MailboxChangedEvent) => void;

interface AccountFeed {
  handlers: Set<Handler>;
  subscription: Promise<Subscription>;
}

/**
 * One bus subscription per account however many sessions watch it, so a thousand idle
 * connections of one user cost one NATS subscription, not a thousand.
 */
@Injectable()
export class BusChangeFeed extends ChangeFeedPort {
  private readonly feeds = new Map<string, AccountFeed>();

  constructor(private readonly bus: Bus) {
    super();
  }

  /**
   * One PING on the connection the subscriptions share: the server queues its PONG behind every
   * message it routed to us before, and the client hands those to their handlers before the PONG.
   */
  caughtUp(): Promise<void> {
    return this.bus.ping();
  }

  async subscribe(accountId: string, handler: Handler): Promise<ChangeSubscription> {
    let feed = this.feeds.get(accountId);
    if (!feed) {
      const handlers = new Set<Handler>();
      const subscription = this.bus.subscribe(
        MailboxChanged,
        (event) => {
          for (const h of handlers) {
            try {
              h(event);
            } catch {
              // one session's failure must not starve the others
            }
          }
        },
        accountId,
      );
      feed = { handlers, subscription };
      this.feeds.set(accountId, feed);
      subscription.catch(() => {
        if (this.feeds.get(accountId) === feed) this.feeds.delete(accountId);
      });
    }
    feed.handlers.add(handler);
    try {
      await feed.subscription;
    } catch (err) {
      feed.handlers.delete(handler);
      throw err;
    }
    const current = feed;
    let done = false;
    return {
      unsubscribe: async () => {
        if (done) return;
        done = true;
        current.handlers.delete(handler);
        if (current.handlers.size === 0 && this.feeds.get(accountId) === current) {
          this.feeds.delete(accountId);
          await (await current.subscription).unsubscribe();
        }
      },
    };
  }

  /** one bus subscription per NOTIFY session that asked: few sessions do, and rarely more than one per user */
  subscribeSubscriptions(accountId: string, handler: (event: SubscriptionChangedEvent) => void): Promise<ChangeSubscription> {
    return this.own(SubscriptionChanged, accountId, handler);
  }

  subscribeMetadata(accountId: string, handler: (event: MetadataChangedEvent) => void): Promise<ChangeSubscription> {
    return this.own(MetadataChanged, accountId, handler);
  }

  subscribeAcl(tenant: string, handler: (event: AclChangedEvent) => void): Promise<ChangeSubscription> {
    return this.own(AclChanged, tenant, handler);
  }

  /** a subscription of one NOTIFY session's own (these events are rare and few sessions ask) */
  private async own<C extends EventContract>(contract: C, suffix: string, handler: (event: EventOf<C>) => void): Promise<ChangeSubscription> {
    const sub = await this.bus.subscribe(
      contract,
      (event) => {
        try {
          handler(event);
        } catch {
          // a session's failure stays its own
        }
      },
      suffix,
    );
    return { unsubscribe: () => sub.unsubscribe() };
  }
}
