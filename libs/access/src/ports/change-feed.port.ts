import type { EventOf, MailboxChanged, SubscriptionChanged } from '@mail/contracts';

export type MailboxChangedEvent = EventOf<typeof MailboxChanged>;
export type SubscriptionChangedEvent = EventOf<typeof SubscriptionChanged>;

export interface ChangeSubscription {
  unsubscribe(): Promise<void>;
}

/** Mailbox change events of one account, from whichever replica made the change. */
export abstract class ChangeFeedPort {
  abstract subscribe(accountId: string, handler: (event: MailboxChangedEvent) => void): Promise<ChangeSubscription>;
  /** Subscription list changes of one account (IMAP NOTIFY's SubscriptionChange; only NOTIFY sessions ask). */
  abstract subscribeSubscriptions(accountId: string, handler: (event: SubscriptionChangedEvent) => void): Promise<ChangeSubscription>;
}
