import { ContractError, METADATA_LIMITS } from '@mail/contracts';
import type { Database } from '@mail/db';
import type { MailboxService } from './mailbox.service.js';
import type { MetadataRepository } from './metadata.repository.js';

/**
 * METADATA annotations (RFC 5464). The server's annotations are kept per account: with no way for
 * one user to see another's here (no ACL yet), a /shared server entry is the account's too, and
 * nothing a user writes can reach another tenant.
 */
export class MetadataService {
  constructor(
    private readonly db: Database,
    private readonly mailboxes: MailboxService,
    private readonly metadata: MetadataRepository,
  ) {}

  private async target(accountId: string, mailbox: string): Promise<string | null> {
    if (mailbox === '') {
      await this.mailboxes.resolve(this.db, accountId, 'INBOX'); // the account's row exists
      return null;
    }
    return (await this.mailboxes.resolve(this.db, accountId, mailbox)).id;
  }

  async get(accountId: string, mailbox: string, entries: string[], depth: '0' | '1' | 'infinity'): Promise<{ entries: Array<[string, string]> }> {
    const mailboxId = await this.target(accountId, mailbox);
    return { entries: await this.metadata.get(this.db, accountId, mailboxId, entries, depth) };
  }

  /** All or none; a value above the size limit is INVALID, one entry too many OVER_QUOTA (RFC 5464 4.3 MAXSIZE, TOOMANY). */
  async set(accountId: string, mailbox: string, values: Array<[string, string | null]>): Promise<{ ok: true }> {
    for (const [, value] of values) {
      if (value !== null && Buffer.byteLength(value) > METADATA_LIMITS.maxValueBytes) throw new ContractError('INVALID', `annotation above ${METADATA_LIMITS.maxValueBytes} bytes`);
      if (value !== null && value.includes('\0')) throw new ContractError('INVALID', 'annotation value with a NUL');
    }
    const mailboxId = await this.target(accountId, mailbox);
    await this.db.transaction(async (tx) => {
      for (const [entry, value] of values) {
        if (value === null) await this.metadata.remove(tx, accountId, mailboxId, entry);
        else await this.metadata.set(tx, accountId, mailboxId, entry, value);
      }
      if ((await this.metadata.count(tx, accountId, mailboxId)) > METADATA_LIMITS.maxEntries) {
        throw new ContractError('OVER_QUOTA', `more than ${METADATA_LIMITS.maxEntries} annotations`);
      }
    });
    return { ok: true };
  }
}
