import type { FetchedMessageDelivery } from '../delivery/fetched-message-delivery.js';
import type { RemoteSessionSettings } from '../remote/imap-remote.js';
import type { RemoteEndpoint } from '../remote/remote-endpoint.js';
import type { FetchAccountRecord } from './fetch-account.records.js';
import type { FetchAccountRepository } from './fetch-account.repository.js';

/** What a protocol runner needs for one run of one account. */
export interface FetchRunContext {
  account: FetchAccountRecord;
  endpoint: RemoteEndpoint;
  password: string;
  repo: FetchAccountRepository;
  delivery: FetchedMessageDelivery;
  settings: RemoteSessionSettings;
  /** messages this run may take; the rest waits for the next run, which comes at once */
  maxMessages: number;
  /** true once the process is shutting down: the run stops between two messages */
  stopping(): boolean;
  /** each delivered message, for metrics */
  onDelivered(size: number): void;
}

export interface FetchRunResult {
  fetched: number;
  deleted: number;
  /** stopped before the end (message budget or shutdown): run again soon */
  more: boolean;
}

/** The POP3 maildrop is recorded as this folder, so `show` lists it like an IMAP INBOX. */
export const POP3_FOLDER = 'INBOX';

export function fetchSession(account: FetchAccountRecord): string {
  return `fetch-${account.id.slice(0, 8)}`;
}
