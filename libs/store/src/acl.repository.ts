import type { Queryable } from '@mail/db';
import { canonicalRights } from '@mail/imap-protocol';
import { MAILBOX_STATE_COLUMNS, type MailboxRow } from './store.records.js';

/** What one caller may do on another account's mailbox, and where that mailbox lives. */
export interface Grant {
  ownerId: string;
  ownerAddress: string;
  /** the owner's tenant (every grantee is of it) */
  tenant: string;
  /** canonical, the union of the caller's own entry and `anyone` of its tenant */
  rights: string;
}

export type SharedMailboxRow = MailboxRow & Grant;

interface GrantRow {
  owner_id: string;
  owner_address: string;
  tenant: string;
  rights: string;
}

/**
 * SQL over mail.acl (migration 009). A caller's entries are its own (grantee_id) and `anyone`
 * (grantee_id NULL) of its tenant, the tenant the store last learnt for the caller's account.
 */
const MATCHES_CALLER = `(a.grantee_id = $1 OR (a.grantee_id IS NULL AND a.tenant = (SELECT tenant FROM mail.accounts WHERE account_id = $1)))`;

function toGrant(r: GrantRow): Grant {
  return { ownerId: r.owner_id, ownerAddress: r.owner_address, tenant: r.tenant, rights: canonicalRights(r.rights) };
}

export class AclRepository {
  /** Records the caller's tenant (the domain of its address), so that `anyone` shares of it match later by mailbox id. */
  async learnTenant(q: Queryable, accountId: string, tenant: string): Promise<void> {
    await q.query('UPDATE mail.accounts SET tenant = $2 WHERE account_id = $1 AND tenant IS DISTINCT FROM $2', [accountId, tenant]);
  }

  /** The caller's rights on another account's mailbox; null when it has none (or the mailbox is its own). */
  async grantById(q: Queryable, callerId: string, mailboxId: string): Promise<Grant | null> {
    const { rows } = await q.query<GrantRow>(
      `SELECT a.owner_id, a.owner_address, a.tenant, string_agg(a.rights, '') AS rights FROM mail.acl a
       WHERE a.mailbox_id = $2 AND a.owner_id <> $1 AND ${MATCHES_CALLER}
       GROUP BY a.owner_id, a.owner_address, a.tenant`,
      [callerId, mailboxId],
    );
    return rows[0] ? toGrant(rows[0]) : null;
  }

  /** `name` of the account at `ownerAddress`, if shared with the caller (of `tenant`). */
  async sharedByName(q: Queryable, callerId: string, tenant: string, ownerAddress: string, name: string): Promise<SharedMailboxRow | null> {
    const { rows } = await q.query<MailboxRow & GrantRow>(
      `SELECT ${MAILBOX_STATE_COLUMNS}, a.owner_id, a.owner_address, a.tenant, string_agg(a.rights, '') AS rights
       FROM mail.acl a JOIN mail.mailboxes ON mail.mailboxes.id = a.mailbox_id
       WHERE a.owner_address = $3 AND mail.mailboxes.name = $4 AND a.owner_id <> $1 AND (a.grantee_id = $1 OR (a.grantee_id IS NULL AND a.tenant = $2))
       GROUP BY mail.mailboxes.id, a.owner_id, a.owner_address, a.tenant`,
      [callerId, tenant, ownerAddress, name],
    );
    return rows[0] ? { ...rows[0], ...toGrant(rows[0]) } : null;
  }

  /**
   * Every other account's mailbox shared with the caller (of `tenant`), whatever the rights; learns
   * the caller's tenant in the same statement (LIST pays one statement for sharing, not two).
   */
  async sharedWith(q: Queryable, callerId: string, tenant: string): Promise<SharedMailboxRow[]> {
    const { rows } = await q.query<MailboxRow & GrantRow>(
      `WITH learnt AS (UPDATE mail.accounts SET tenant = $2 WHERE account_id = $1 AND tenant IS DISTINCT FROM $2 RETURNING 1)
       SELECT ${MAILBOX_STATE_COLUMNS}, a.owner_id, a.owner_address, a.tenant, string_agg(a.rights, '') AS rights
       FROM mail.acl a JOIN mail.mailboxes ON mail.mailboxes.id = a.mailbox_id
       WHERE a.owner_id <> $1 AND (a.grantee_id = $1 OR (a.grantee_id IS NULL AND a.tenant = $2))
       GROUP BY mail.mailboxes.id, a.owner_id, a.owner_address, a.tenant
       ORDER BY a.owner_address, mail.mailboxes.name`,
      [callerId, tenant],
    );
    return rows.map((r) => ({ ...r, ...toGrant(r) }));
  }

  /** A mailbox's entries: grantee address (null: anyone) and rights. */
  async entries(q: Queryable, mailboxId: string): Promise<Array<{ grantee_id: string | null; grantee_address: string | null; rights: string }>> {
    const { rows } = await q.query<{ grantee_id: string | null; grantee_address: string | null; rights: string }>(
      'SELECT grantee_id, grantee_address, rights FROM mail.acl WHERE mailbox_id = $1 ORDER BY grantee_address NULLS LAST',
      [mailboxId],
    );
    return rows;
  }

  async rightsOf(q: Queryable, mailboxId: string, granteeId: string | null): Promise<string> {
    const { rows } = await q.query<{ rights: string }>(
      'SELECT rights FROM mail.acl WHERE mailbox_id = $1 AND grantee_id IS NOT DISTINCT FROM $2',
      [mailboxId, granteeId],
    );
    return rows[0]?.rights ?? '';
  }

  async put(
    q: Queryable,
    e: { mailboxId: string; ownerId: string; ownerAddress: string; tenant: string; granteeId: string | null; granteeAddress: string | null; rights: string },
  ): Promise<void> {
    await q.query(
      `INSERT INTO mail.acl (mailbox_id, owner_id, owner_address, tenant, grantee_id, grantee_address, rights) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (mailbox_id, (coalesce(grantee_id, '00000000-0000-0000-0000-000000000000'::uuid))) DO UPDATE SET rights = EXCLUDED.rights`,
      [e.mailboxId, e.ownerId, e.ownerAddress, e.tenant, e.granteeId, e.granteeAddress, e.rights],
    );
  }

  async remove(q: Queryable, mailboxId: string, granteeId: string | null): Promise<boolean> {
    const { rows } = await q.query('DELETE FROM mail.acl WHERE mailbox_id = $1 AND grantee_id IS NOT DISTINCT FROM $2 RETURNING 1', [mailboxId, granteeId]);
    return rows.length > 0;
  }

  /** A mailbox made under a shared one takes its parent's entries (as Dovecot's ACL inheritance does). */
  async inherit(q: Queryable, parentId: string, childId: string): Promise<void> {
    await q.query(
      `INSERT INTO mail.acl (mailbox_id, owner_id, owner_address, tenant, grantee_id, grantee_address, rights)
       SELECT $2, owner_id, owner_address, tenant, grantee_id, grantee_address, rights FROM mail.acl WHERE mailbox_id = $1
       ON CONFLICT DO NOTHING`,
      [parentId, childId],
    );
  }

  /** Every entry of an owner's mailboxes, by mailbox name. */
  async sharesOf(q: Queryable, ownerId: string): Promise<Array<{ mailbox: string; grantee_address: string | null; rights: string }>> {
    const { rows } = await q.query<{ mailbox: string; grantee_address: string | null; rights: string }>(
      `SELECT m.name AS mailbox, a.grantee_address, a.rights FROM mail.acl a JOIN mail.mailboxes m ON m.id = a.mailbox_id
       WHERE a.owner_id = $1 ORDER BY m.name, a.grantee_address NULLS LAST`,
      [ownerId],
    );
    return rows;
  }
}
