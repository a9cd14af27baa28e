/** Rows of the `directory` schema as the service sees them (addresses already lowercased). */
export interface DomainRecord {
  id: string;
  name: string;
  createdAt: Date;
}

/** How a hosted domain routes addresses nobody holds exactly, and answers for full mailboxes. */
export interface DomainRouting {
  name: string;
  /** where mail for unknown addresses of the domain goes; null: refused (5.1.1) */
  catchAll: string | null;
  /** each character separates a subaddress tag (user+tag); '' turns subaddressing off */
  subaddressSeparators: string;
  /** over quota: 'defer' answers 452 4.2.2 (the sender retries), 'reject' 552 5.2.2 */
  overQuota: 'defer' | 'reject';
}

export interface AccountRecord {
  id: string;
  address: string;
  localPart: string;
  domainId: string;
  domain: string;
  passwordHash: string;
  displayName: string | null;
  disabled: boolean;
  quotaBytes: number | null;
  quotaMessages: number | null;
  createdAt: Date;
}

export interface AliasRecord {
  id: string;
  address: string;
  domainId: string;
  targets: string[];
  createdAt: Date;
}

export interface GroupRecord {
  id: string;
  address: string;
  domainId: string;
  displayName: string | null;
  hostedSendersOnly: boolean;
  /** sorted */
  members: string[];
  createdAt: Date;
}

export type NewAccount = Omit<AccountRecord, 'domain' | 'createdAt'>;
export type NewAlias = Omit<AliasRecord, 'createdAt'>;
export type NewGroup = Omit<GroupRecord, 'createdAt'>;

/** What `group set` changes; a field left out keeps its value. */
export interface GroupChange {
  displayName?: string | null;
  hostedSendersOnly?: boolean;
  members?: string[];
}

/** What already holds an address when an insert is refused. */
export type AddressHolder = 'account' | 'alias' | 'group' | null;
