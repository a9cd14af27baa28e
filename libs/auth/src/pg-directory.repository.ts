import type { Database, Queryable } from '@mail/db';
import type { AccountRecord, AddressHolder, AliasRecord, DomainRecord, DomainRouting, GroupChange, GroupRecord, NewAccount, NewAlias, NewGroup } from './directory.records.js';
import { DirectoryRepository } from './directory.repository.js';

interface DomainRow {
  id: string;
  name: string;
  created_at: Date | string;
}
interface AccountRow {
  id: string;
  address: string;
  local_part: string;
  domain_id: string;
  domain: string;
  password_hash: string;
  display_name: string | null;
  disabled: boolean;
  quota_bytes: number | string | null;
  quota_messages: number | string | null;
  created_at: Date | string;
}
interface AliasRow {
  id: string;
  address: string;
  domain_id: string;
  targets: string[];
  created_at: Date | string;
}

interface GroupRow {
  id: string;
  address: string;
  domain_id: string;
  display_name: string | null;
  hosted_senders_only: boolean;
  members: string[] | null;
  created_at: Date | string;
}

const GROUP_SELECT = `SELECT g.id, g.address, g.domain_id, g.display_name, g.hosted_senders_only, g.created_at,
  ARRAY(SELECT m.member FROM directory.group_members m WHERE m.group_id = g.id ORDER BY m.member) AS members
  FROM directory.groups g`;

const ACCOUNT_COLUMNS = `a.id, a.address, a.local_part, a.domain_id, d.name AS domain, a.password_hash, a.display_name,
  a.disabled, a.quota_bytes, a.quota_messages, a.created_at`;
const ACCOUNT_FROM = 'directory.accounts a JOIN directory.domains d ON d.id = a.domain_id';

interface RoutingRow {
  name: string;
  catch_all: string | null;
  subaddress_separators: string;
  over_quota: 'defer' | 'reject';
}
const ROUTING_COLUMNS = 'name, catch_all, subaddress_separators, over_quota';
const toRouting = (r: RoutingRow): DomainRouting => ({ name: r.name, catchAll: r.catch_all, subaddressSeparators: r.subaddress_separators, overQuota: r.over_quota });

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const toDomain = (r: DomainRow): DomainRecord => ({ id: r.id, name: r.name, createdAt: toDate(r.created_at) });
const toAccount = (r: AccountRow): AccountRecord => ({
  id: r.id,
  address: r.address,
  localPart: r.local_part,
  domainId: r.domain_id,
  domain: r.domain,
  passwordHash: r.password_hash,
  displayName: r.display_name,
  disabled: r.disabled,
  quotaBytes: r.quota_bytes === null ? null : Number(r.quota_bytes),
  quotaMessages: r.quota_messages == null ? null : Number(r.quota_messages),
  createdAt: toDate(r.created_at),
});
const toAlias = (r: AliasRow): AliasRecord => ({ id: r.id, address: r.address, domainId: r.domain_id, targets: r.targets, createdAt: toDate(r.created_at) });

const toGroup = (r: GroupRow): GroupRecord => ({
  id: r.id,
  address: r.address,
  domainId: r.domain_id,
  displayName: r.display_name,
  hostedSendersOnly: r.hosted_senders_only,
  members: r.members ?? [],
  createdAt: toDate(r.created_at),
});

/** The directory in the `directory` schema; the same SQL on PostgreSQL and PGlite. */
export class PgDirectoryRepository extends DirectoryRepository {
  constructor(private readonly db: Database) {
    super();
  }

  async listDomains(): Promise<DomainRecord[]> {
    const { rows } = await this.db.query<DomainRow>('SELECT id, name, created_at FROM directory.domains ORDER BY name');
    return rows.map(toDomain);
  }

  async findDomain(name: string): Promise<DomainRecord | null> {
    const { rows } = await this.db.query<DomainRow>('SELECT id, name, created_at FROM directory.domains WHERE name = $1', [name]);
    return rows[0] ? toDomain(rows[0]) : null;
  }

  async hostedDomains(names: string[]): Promise<string[]> {
    if (!names.length) return [];
    const { rows } = await this.db.query<{ name: string }>('SELECT name FROM directory.domains WHERE name = ANY($1::text[])', [names]);
    return rows.map((r) => r.name);
  }

  async domainRouting(names: string[]): Promise<DomainRouting[]> {
    if (!names.length) return [];
    const { rows } = await this.db.query<RoutingRow>(`SELECT ${ROUTING_COLUMNS} FROM directory.domains WHERE name = ANY($1::text[])`, [names]);
    return rows.map(toRouting);
  }

  async setDomainRouting(name: string, change: Partial<Omit<DomainRouting, 'name'>>): Promise<DomainRouting | null> {
    const { rows } = await this.db.query<RoutingRow>(
      `UPDATE directory.domains SET
         catch_all = CASE WHEN $2 THEN $3 ELSE catch_all END,
         subaddress_separators = COALESCE($4, subaddress_separators),
         over_quota = COALESCE($5, over_quota)
       WHERE name = $1 RETURNING ${ROUTING_COLUMNS}`,
      [name, change.catchAll !== undefined, change.catchAll ?? null, change.subaddressSeparators ?? null, change.overQuota ?? null],
    );
    return rows[0] ? toRouting(rows[0]) : null;
  }

  async insertDomain(domain: { id: string; name: string }): Promise<DomainRecord | null> {
    const { rows } = await this.db.query<DomainRow>(
      'INSERT INTO directory.domains (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at',
      [domain.id, domain.name],
    );
    return rows[0] ? toDomain(rows[0]) : null;
  }

  async deleteDomain(id: string): Promise<{ deleted: boolean; accounts: number }> {
    return this.db.transaction(async (tx) => {
      // The row lock conflicts with the key-share lock an account insert takes on its domain, so
      // nobody adds an account between the count and the delete.
      const locked = await tx.query('SELECT id FROM directory.domains WHERE id = $1 FOR UPDATE', [id]);
      if (!locked.rows.length) return { deleted: false, accounts: 0 };
      const { rows } = await tx.query<{ n: number | string }>('SELECT count(*) AS n FROM directory.accounts WHERE domain_id = $1', [id]);
      const accounts = Number(rows[0]?.n ?? 0);
      if (accounts > 0) return { deleted: false, accounts };
      await tx.query('DELETE FROM directory.domains WHERE id = $1', [id]);
      return { deleted: true, accounts: 0 };
    });
  }

  async findAccounts(addresses: string[]): Promise<AccountRecord[]> {
    if (!addresses.length) return [];
    const { rows } = await this.db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNT_FROM} WHERE a.address = ANY($1::text[])`, [addresses]);
    return rows.map(toAccount);
  }

  async findAccountById(id: string): Promise<AccountRecord | null> {
    const { rows } = await this.db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNT_FROM} WHERE a.id = $1`, [id]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async listAccounts(domainId?: string): Promise<AccountRecord[]> {
    const { rows } = domainId
      ? await this.db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNT_FROM} WHERE a.domain_id = $1 ORDER BY a.address`, [domainId])
      : await this.db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNT_FROM} ORDER BY d.name, a.local_part`);
    return rows.map(toAccount);
  }

  async insertAccount(account: NewAccount): Promise<{ taken: AddressHolder; account?: AccountRecord }> {
    return this.db.transaction(async (tx) => {
      const taken = await lockAddress(tx, account.address);
      if (taken) return { taken };
      await tx.query(
        `INSERT INTO directory.accounts (id, address, local_part, domain_id, password_hash, display_name, disabled, quota_bytes, quota_messages)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [account.id, account.address, account.localPart, account.domainId, account.passwordHash, account.displayName, account.disabled, account.quotaBytes, account.quotaMessages],
      );
      const { rows } = await tx.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNT_FROM} WHERE a.id = $1`, [account.id]);
      return { taken: null, account: toAccount(rows[0]) };
    });
  }

  async deleteAccount(address: string): Promise<AccountRecord | null> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNT_FROM} WHERE a.address = $1 FOR UPDATE OF a`, [address]);
      if (!rows[0]) return null;
      await tx.query('DELETE FROM directory.accounts WHERE id = $1', [rows[0].id]);
      return toAccount(rows[0]);
    });
  }

  async setPasswordHash(address: string, hash: string): Promise<boolean> {
    const res = await this.db.query('UPDATE directory.accounts SET password_hash = $2, password_changed_at = now() WHERE address = $1', [address, hash]);
    return res.rowCount > 0;
  }

  async setAccountQuota(address: string, change: { quotaBytes?: number | null; quotaMessages?: number | null }): Promise<AccountRecord | null> {
    const res = await this.db.query(
      `UPDATE directory.accounts SET
         quota_bytes = CASE WHEN $2 THEN $3::bigint ELSE quota_bytes END,
         quota_messages = CASE WHEN $4 THEN $5::bigint ELSE quota_messages END
       WHERE address = $1`,
      [address, change.quotaBytes !== undefined, change.quotaBytes ?? null, change.quotaMessages !== undefined, change.quotaMessages ?? null],
    );
    return res.rowCount ? ((await this.findAccounts([address]))[0] ?? null) : null;
  }

  async findAliases(addresses: string[]): Promise<AliasRecord[]> {
    if (!addresses.length) return [];
    const { rows } = await this.db.query<AliasRow>('SELECT id, address, domain_id, targets, created_at FROM directory.aliases WHERE address = ANY($1::text[])', [
      addresses,
    ]);
    return rows.map(toAlias);
  }

  async listAliases(domainId?: string): Promise<AliasRecord[]> {
    const { rows } = domainId
      ? await this.db.query<AliasRow>('SELECT id, address, domain_id, targets, created_at FROM directory.aliases WHERE domain_id = $1 ORDER BY address', [domainId])
      : await this.db.query<AliasRow>('SELECT id, address, domain_id, targets, created_at FROM directory.aliases ORDER BY address');
    return rows.map(toAlias);
  }

  async insertAlias(alias: NewAlias): Promise<{ taken: AddressHolder; alias?: AliasRecord }> {
    return this.db.transaction(async (tx) => {
      const taken = await lockAddress(tx, alias.address);
      if (taken) return { taken };
      const { rows } = await tx.query<AliasRow>(
        'INSERT INTO directory.aliases (id, address, domain_id, targets) VALUES ($1, $2, $3, $4::text[]) RETURNING id, address, domain_id, targets, created_at',
        [alias.id, alias.address, alias.domainId, alias.targets],
      );
      return { taken: null, alias: toAlias(rows[0]) };
    });
  }

  async deleteAlias(address: string): Promise<boolean> {
    const res = await this.db.query('DELETE FROM directory.aliases WHERE address = $1', [address]);
    return res.rowCount > 0;
  }

  async findGroups(addresses: string[]): Promise<GroupRecord[]> {
    if (!addresses.length) return [];
    const { rows } = await this.db.query<GroupRow>(`${GROUP_SELECT} WHERE g.address = ANY($1::text[])`, [addresses]);
    return rows.map(toGroup);
  }

  async listGroups(domainId?: string): Promise<GroupRecord[]> {
    const { rows } = domainId
      ? await this.db.query<GroupRow>(`${GROUP_SELECT} WHERE g.domain_id = $1 ORDER BY g.address`, [domainId])
      : await this.db.query<GroupRow>(`${GROUP_SELECT} ORDER BY g.address`);
    return rows.map(toGroup);
  }

  async insertGroup(group: NewGroup): Promise<{ taken: AddressHolder; group?: GroupRecord }> {
    return this.db.transaction(async (tx) => {
      const taken = await lockAddress(tx, group.address);
      if (taken) return { taken };
      await tx.query('INSERT INTO directory.groups (id, address, domain_id, display_name, hosted_senders_only) VALUES ($1, $2, $3, $4, $5)', [
        group.id,
        group.address,
        group.domainId,
        group.displayName,
        group.hostedSendersOnly,
      ]);
      await addMembers(tx, group.id, group.members);
      const { rows } = await tx.query<GroupRow>(`${GROUP_SELECT} WHERE g.id = $1`, [group.id]);
      return { taken: null, group: toGroup(rows[0]) };
    });
  }

  async deleteGroup(address: string): Promise<boolean> {
    const res = await this.db.query('DELETE FROM directory.groups WHERE address = $1', [address]);
    return res.rowCount > 0;
  }

  async updateGroupMembers(address: string, add: string[], remove: string[]): Promise<GroupRecord | null> {
    return this.db.transaction(async (tx) => {
      const { rows: found } = await tx.query<{ id: string }>('SELECT id FROM directory.groups WHERE address = $1 FOR UPDATE', [address]);
      if (!found[0]) return null;
      const id = found[0].id;
      if (remove.length) await tx.query('DELETE FROM directory.group_members WHERE group_id = $1 AND member = ANY($2::text[])', [id, remove]);
      await addMembers(tx, id, add);
      const { rows } = await tx.query<GroupRow>(`${GROUP_SELECT} WHERE g.id = $1`, [id]);
      return toGroup(rows[0]);
    });
  }

  async updateGroup(address: string, change: GroupChange): Promise<GroupRecord | null> {
    return this.db.transaction(async (tx) => {
      const { rows: found } = await tx.query<{ id: string }>(
        `UPDATE directory.groups
         SET display_name = CASE WHEN $2 THEN $3 ELSE display_name END,
             hosted_senders_only = coalesce($4, hosted_senders_only)
         WHERE address = $1 RETURNING id`,
        [address, change.displayName !== undefined, change.displayName ?? null, change.hostedSendersOnly ?? null],
      );
      if (!found[0]) return null;
      const id = found[0].id;
      if (change.members) {
        await tx.query('DELETE FROM directory.group_members WHERE group_id = $1 AND NOT (member = ANY($2::text[]))', [id, change.members]);
        await addMembers(tx, id, change.members);
      }
      const { rows } = await tx.query<GroupRow>(`${GROUP_SELECT} WHERE g.id = $1`, [id]);
      return toGroup(rows[0]);
    });
  }

}

async function addMembers(tx: Queryable, groupId: string, members: string[]): Promise<void> {
  if (!members.length) return;
  await tx.query('INSERT INTO directory.group_members (group_id, member) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [groupId, members]);
}

/**
 * Serialises writers of one address (accounts, aliases and groups live in three tables, so no
 * single unique index can keep them apart) and says who holds it already.
 */
async function lockAddress(tx: Queryable, address: string): Promise<AddressHolder> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`directory.address:${address}`]);
  const { rows } = await tx.query<{ kind: 'account' | 'alias' | 'group' }>(
    `SELECT 'account' AS kind FROM directory.accounts WHERE address = $1
     UNION ALL SELECT 'alias' AS kind FROM directory.aliases WHERE address = $1
     UNION ALL SELECT 'group' AS kind FROM directory.groups WHERE address = $1`,
    [address],
  );
  return rows[0]?.kind ?? null;
}
