/** Rows of the `directory` schema as the service sees them (addresses already lowercased). */
export interface DomainRecord {
  id: string;
  name: string;
  createdAt: Date;
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

/** What already holds an address when an insert is refused. */
export type AddressHolder = 'account' | 'alias' | 'group' | null;
