import type { Database } from '@mail/db';
import type { DkimAlgorithm } from '@mail/contracts';

export interface DkimKeyRecord {
  id: string;
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  privateKeySealed: string;
  publicKey: string;
  status: 'active' | 'retired';
  createdAt: Date;
}

export type NewDkimKey = Pick<DkimKeyRecord, 'id' | 'selector' | 'algorithm' | 'privateKeySealed' | 'publicKey'> & { domainId: string };

interface Row {
  id: string;
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  private_key_sealed: string;
  public_key: string;
  status: 'active' | 'retired';
  created_at: Date | string;
}

const COLUMNS = 'k.id, d.name AS domain, k.selector, k.algorithm, k.private_key_sealed, k.public_key, k.status, k.created_at';
const FROM = 'directory.dkim_keys k JOIN directory.domains d ON d.id = k.domain_id';
const toRecord = (r: Row): DkimKeyRecord => ({
  id: r.id,
  domain: r.domain,
  selector: r.selector,
  algorithm: r.algorithm,
  privateKeySealed: r.private_key_sealed,
  publicKey: r.public_key,
  status: r.status,
  createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
});

/** DKIM keys in `directory.dkim_keys` (migration 005); the same SQL on PostgreSQL and PGlite. */
export class DkimKeyRepository {
  constructor(private readonly db: Database) {}

  async list(domainId?: string): Promise<DkimKeyRecord[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM ${FROM} ${domainId ? 'WHERE k.domain_id = $1' : ''} ORDER BY d.name, k.status, k.created_at DESC, k.selector`,
      domainId ? [domainId] : [],
    );
    return rows.map(toRecord);
  }

  async active(domainName: string): Promise<DkimKeyRecord[]> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM ${FROM} WHERE d.name = $1 AND k.status = 'active' ORDER BY k.algorithm`, [domainName]);
    return rows.map(toRecord);
  }

  /**
   * Inserts `key`, retiring the active key of the same algorithm in the same transaction when
   * `retire` is set. Returns null (nothing written) when the selector is taken, or when an active
   * key of that algorithm exists and `retire` is not set: `which` says which.
   */
  async insert(key: NewDkimKey, retire: boolean): Promise<{ key: DkimKeyRecord | null; conflict?: 'selector' | 'active'; retired: DkimKeyRecord[] }> {
    return this.db.transaction(async (tx) => {
      const { rows: taken } = await tx.query<{ selector: string; status: string; algorithm: string }>(
        `SELECT selector, status, algorithm FROM directory.dkim_keys WHERE domain_id = $1 FOR UPDATE`,
        [key.domainId],
      );
      if (taken.some((t) => t.selector === key.selector)) return { key: null, conflict: 'selector' as const, retired: [] };
      if (!retire && taken.some((t) => t.status === 'active' && t.algorithm === key.algorithm)) return { key: null, conflict: 'active' as const, retired: [] };
      const { rows: retiredRows } = await tx.query<{ id: string }>(
        `UPDATE directory.dkim_keys SET status = 'retired', retired_at = now() WHERE domain_id = $1 AND algorithm = $2 AND status = 'active' RETURNING id`,
        [key.domainId, key.algorithm],
      );
      await tx.query(
        `INSERT INTO directory.dkim_keys (id, domain_id, selector, algorithm, private_key_sealed, public_key) VALUES ($1, $2, $3, $4, $5, $6)`,
        [key.id, key.domainId, key.selector, key.algorithm, key.privateKeySealed, key.publicKey],
      );
      const ids = [key.id, ...retiredRows.map((r) => r.id)];
      const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM ${FROM} WHERE k.id = ANY($1::uuid[])`, [ids]);
      const all = rows.map(toRecord);
      return { key: all.find((k) => k.id === key.id) ?? null, retired: all.filter((k) => k.id !== key.id) };
    });
  }

  async delete(domainId: string, selector: string): Promise<boolean> {
    const res = await this.db.query(`DELETE FROM directory.dkim_keys WHERE domain_id = $1 AND selector = $2`, [domainId, selector]);
    return res.rowCount > 0;
  }
}
