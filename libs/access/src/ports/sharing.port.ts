import type { DeleteAcl, GetAcl, MyRights, RequestOf, ResponseOf, SetAcl } from '@mail/contracts';

/** the store's ACL requests (ADR 0044) */
export type AclContract = typeof SetAcl | typeof DeleteAcl | typeof GetAcl | typeof MyRights;

/** Mailbox sharing (RFC 4314 ACL, ADR 0044): the store's ACL requests and the directory lookup of a grantee. */
export abstract class SharingPort {
  abstract acl<C extends AclContract>(contract: C, req: RequestOf<C>): Promise<ResponseOf<C>>;
  /** the account at exactly this address (not an alias or a group); null when there is none */
  abstract findAccount(address: string): Promise<{ accountId: string; address: string } | null>;
}
