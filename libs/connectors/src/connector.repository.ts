import type { Queryable } from '@mail/db';
import type { ConnectorSettings } from './connector-settings.js';

export interface ConnectorRow {
  id: string;
  settings: ConnectorSettings;
  authPasswordSealed: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: string;
  settings: ConnectorSettings | string;
  auth_password_sealed: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const toRow = (r: Row): ConnectorRow => ({
  id: r.id,
  settings: typeof r.settings === 'string' ? (JSON.parse(r.settings) as ConnectorSettings) : r.settings,
  authPasswordSealed: r.auth_password_sealed,
  createdAt: toDate(r.created_at),
  updatedAt: toDate(r.updated_at),
});
const COLUMNS = 'id, settings, auth_password_sealed, created_at, updated_at';

/** The connectors in the `connectors` schema; the same SQL on PostgreSQL and PGlite. Every method takes the connection (or transaction) to use. */
export class ConnectorRepository {
  async list(db: Queryable): Promise<ConnectorRow[]> {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM connectors.connectors ORDER BY direction, lower(name)`);
    return rows.map(toRow);
  }

  async find(db: Queryable, name: string): Promise<ConnectorRow | null> {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM connectors.connectors WHERE lower(name) = lower($1)`, [name]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** null when the name is taken */
  async insert(db: Queryable, c: { id: string; settings: ConnectorSettings; authPasswordSealed: string | null }): Promise<ConnectorRow | null> {
    const { rows } = await db.query<Row>(
      `INSERT INTO connectors.connectors (id, name, direction, settings, auth_password_sealed) VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [c.id, c.settings.name, c.settings.direction, JSON.stringify(c.settings), c.authPasswordSealed],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** null when no such connector (or the new name is taken: the unique index throws, mapped by the caller) */
  async update(db: Queryable, id: string, c: { settings: ConnectorSettings; authPasswordSealed: string | null }): Promise<ConnectorRow | null> {
    const { rows } = await db.query<Row>(
      `UPDATE connectors.connectors SET name = $2, settings = $3::jsonb, auth_password_sealed = $4, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, c.settings.name, JSON.stringify(c.settings), c.authPasswordSealed],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  async delete(db: Queryable, name: string): Promise<boolean> {
    const { rowCount } = await db.query(`DELETE FROM connectors.connectors WHERE lower(name) = lower($1)`, [name]);
    return rowCount > 0;
  }

  /** changes with every write: replicas compare it to skip reloading what they have */
  async version(db: Queryable): Promise<string> {
    const { rows } = await db.query<{ v: string | null; n: string | number }>(`SELECT max(updated_at)::text AS v, count(*) AS n FROM connectors.connectors`);
    return `${rows[0]?.n ?? 0}:${rows[0]?.v ?? ''}`;
  }
}
