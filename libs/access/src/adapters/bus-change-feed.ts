import { Injectable } from '@nestjs/common';
import { Bus, type Subscription } from '@mail/bus';
import { MailboxChanged, SubscriptionChanged } from '@mail/contracts';
import { ChangeFeedPort, type ChangeSubscription, type MailboxChangedEvent, type SubscriptionChangedEvent } from '../ports/change-feed.port.js';

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
  async subscribeSubscriptions(accountId: string, handler: (event: SubscriptionChangedEvent) => void): Promise<ChangeSubscription> {
    const sub = await this.bus.subscribe(
      SubscriptionChanged,
      (event) => {
        try {
          handler(event);
        } catch {
          // a session's failure stays its own
        }
      },
      accountId,
    );
    return { unsubscribe: () => sub.unsubscribe() };
  }
}
