import type { AppendAll, AppendMessage, ExpungeMessages, ParsedRequestOf, ResponseOf, UpdateFlags } from '@mail/contracts';
import type { SharedRequests } from './shared-requests.js';

/**
 * The store's APPEND and MULTIAPPEND (ADR 0063), STORE and EXPUNGE (ADR 0074) as a process other
 * than the store may run them:
 * `access` composes this class (StoreReadsModule) and appends an IMAP client's message on the
 * database itself instead of asking the store over the bus. It is the store's own code: the
 * rights check (SharedAccess, ADR 0044), the quota check, the one append statement with its
 * `\Recent` claim, and the change event, published on the bus after the commit exactly as the
 * store publishes it. One method per contract, named as MailStorePort names it.
 */
export class StoreAppends {
  constructor(private readonly requests: SharedRequests) {}

  appendMessage(p: ParsedRequestOf<typeof AppendMessage>): Promise<ResponseOf<typeof AppendMessage>> {
    return this.requests.append(p);
  }

  appendAll(p: ParsedRequestOf<typeof AppendAll>): Promise<ResponseOf<typeof AppendAll>> {
    return this.requests.appendAll(p);
  }

  /** STORE (ADR 0074): one statement, no bus round trip; the flags event published after it as the store does */
  updateFlags(p: ParsedRequestOf<typeof UpdateFlags>): Promise<ResponseOf<typeof UpdateFlags>> {
    return this.requests.updateFlags(p);
  }

  /** EXPUNGE and UID EXPUNGE (ADR 0074), with the store's blob collection of what it frees */
  expungeMessages(p: ParsedRequestOf<typeof ExpungeMessages>): Promise<ResponseOf<typeof ExpungeMessages>> {
    return this.requests.expunge(p);
  }
}
