import { parse as parsing, protocol, type PGlite, type Results } from '@electric-sql/pglite';
import type { QueryResult } from './database.port.js';

type BackendMessage = Parameters<typeof parsing.parseResults>[0][number];
type Serializer = (value: any) => string;

/** a statement parsed once into the connection: its name, how to write its parameters, its result's columns */
interface Prepared {
  name: string;
  serializers: Array<Serializer | undefined>;
  /** the statement's RowDescription, or none for a statement without rows */
  columns: BackendMessage | undefined;
}

/** PostgreSQL's answer when a table changed under a prepared statement so that its result's columns changed */
const RESULT_TYPE_CHANGED = 'cached plan must not change result type';

/**
 * Named prepared statements over PGlite's extended protocol (ADR 0076). `PGlite.query` sends an
 * unnamed Parse, a Describe of the statement, Bind, a Describe of the portal, Execute and Sync as six
 * separate calls into the WASM PostgreSQL: every call parses, analyses and plans the statement again,
 * and those are most of PGlite's time for the short statements the services run. Here a statement
 * is parsed once per connection (PGlite has one) under a name, with its parameter types and its
 * result's columns kept, and each later call is one Bind + Execute + Sync in one call; PostgreSQL's
 * plan cache then plans it as a prepared statement (custom plans first, a generic one once it is as
 * good), as the pg adapter's named statements are on PostgreSQL. Capped like the pg adapter's: SQL
 * built per request runs unnamed past the cap.
 *
 * The caller holds PGlite's query lock (`_runExclusiveQuery`) around `run`: a prepared call is one
 * protocol exchange, and nothing may come between its messages.
 */
export class PgliteStatements {
  private readonly statements = new Map<string, Prepared>();
  /** names are never reused: a forgotten statement's name may still be closing */
  private named = 0;

  constructor(
    private readonly pg: PGlite,
    private readonly max = 500,
  ) {}

  /** whether `sql` is (or may become) one of the named statements */
  has(sql: string): boolean {
    return this.statements.has(sql) || this.statements.size < this.max;
  }

  /** `sql` with `params` as a named prepared statement; `syncToFs`: outside a transaction, as PGlite's own query does */
  async run<T>(sql: string, params: unknown[], syncToFs: boolean): Promise<QueryResult<T>> {
    await this.pg._checkReady(); // throws once closed, as PGlite's query does
    try {
      return await this.execute<T>(await this.prepare(sql), sql, params, syncToFs);
    } catch (err) {
      // a migration changed a table under the statement: parse it again, once
      if (!(err instanceof Error && err.message === RESULT_TYPE_CHANGED)) throw err;
      await this.forget(sql);
      return this.execute<T>(await this.prepare(sql), sql, params, syncToFs);
    }
  }

  private async prepare(sql: string): Promise<Prepared> {
    const known = this.statements.get(sql);
    if (known) return known;
    const name = `mail_${this.named++}`;
    const messages = await this.exchange([protocol.serialize.parse({ name, text: sql }), protocol.serialize.describe({ type: 'S', name }), protocol.serialize.sync()], sql, [], false);
    const oids = parsing.parseDescribeStatementResults(messages);
    const serializers = oids.map((oid) => (this.pg.serializers as Record<number, Serializer>)[oid]);
    const prepared = { name, serializers, columns: messages.find((m) => m.name === 'rowDescription') };
    this.statements.set(sql, prepared);
    return prepared;
  }

  private async execute<T>(prepared: Prepared, sql: string, params: unknown[], syncToFs: boolean): Promise<QueryResult<T>> {
    const values = params.map((v, i) => (v === null || v === undefined ? null : (prepared.serializers[i]?.(v) ?? String(v))));
    const messages = await this.exchange([protocol.serialize.bind({ statement: prepared.name, values }), protocol.serialize.execute({}), protocol.serialize.sync()], sql, params, syncToFs);
    const [res] = parsing.parseResults(prepared.columns ? [prepared.columns, ...messages] : messages, this.pg.parsers) as Array<Results<T>>;
    return { rows: res.rows, rowCount: res.affectedRows ? res.affectedRows : res.rows.length };
  }

  private async forget(sql: string): Promise<void> {
    const prepared = this.statements.get(sql);
    if (!prepared) return;
    this.statements.delete(sql);
    await this.exchange([protocol.serialize.close({ type: 'S', name: prepared.name }), protocol.serialize.sync()], sql, [], false);
  }

  /** the messages as one protocol call; the first error is thrown once Sync has ended the exchange, with the statement on it as PGlite's query puts it */
  private async exchange(parts: Uint8Array[], sql: string, params: unknown[], syncToFs: boolean): Promise<BackendMessage[]> {
    const message = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      message.set(p, at);
      at += p.length;
    }
    try {
      return await this.pg.execProtocolStream(message, { syncToFs });
    } catch (err) {
      if (err instanceof Error) Object.assign(err, { query: sql, params });
      throw err;
    }
  }
}
