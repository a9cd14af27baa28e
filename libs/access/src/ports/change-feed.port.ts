import type { EventOf, MailboxChanged } from '@mail/contracts';

export type MailboxChangedEvent = EventOf<typeof MailboxChanged>;

export interface ChangeSubscription {
  unsubscribe(): Promise<void>;
}

/** Mailbox change events of one account, from whichever replica made the change. */
export abstract class ChangeFeedPort {
  abstract subscribe(accountId: string, handler: (event: MailboxChangedEvent) => void): Promise<ChangeSubscription>;
}
