import type { AppendAll, AppendMessage, ParsedRequestOf, ResponseOf } from '@mail/contracts';
import type { SharedRequests } from './shared-requests.js';

/**
 * The store's APPEND and MULTIAPPEND as a process other than the store may run them (ADR 0063):
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
}
