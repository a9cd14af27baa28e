import type { AclChanged, EventOf, MailboxChanged, MetadataChanged, SubscriptionChanged } from '@mail/contracts';

export type MailboxChangedEvent = EventOf<typeof MailboxChanged>;
export type SubscriptionChangedEvent = EventOf<typeof SubscriptionChanged>;
export type MetadataChangedEvent = EventOf<typeof MetadataChanged>;
export type AclChangedEvent = EventOf<typeof AclChanged>;

export interface ChangeSubscription {
  unsubscribe(): Promise<void>;
}

/** Mailbox change events of one account, from whichever replica made the change. */
export abstract class ChangeFeedPort {
  abstract subscribe(accountId: string, handler: (event: MailboxChangedEvent) => void): Promise<ChangeSubscription>;
  /**
   * Resolves once every event published before the call (by any replica whose publish was
   * acknowledged, ADR 0074) has reached this process's handlers: what a NOOP or CHECK must see.
   */
  abstract caughtUp(): Promise<void>;
  /** Subscription list changes of one account (IMAP NOTIFY's SubscriptionChange; only NOTIFY sessions ask). */
  abstract subscribeSubscriptions(accountId: string, handler: (event: SubscriptionChangedEvent) => void): Promise<ChangeSubscription>;
  /** Annotation changes of one account (NOTIFY's metadata events; only NOTIFY sessions that ask them). */
  abstract subscribeMetadata(accountId: string, handler: (event: MetadataChangedEvent) => void): Promise<ChangeSubscription>;
  /** Rights changes of one tenant's mailboxes (NOTIFY sessions re-list when they are the grantee). */
  abstract subscribeAcl(tenant: string, handler: (event: AclChangedEvent) => void): Promise<ChangeSubscription>;
}
