import { randomUUID } from 'node:crypto';
import { ConnectorInput, ContractError, type Connector, type ConnectorFields, type ConnectorPatch, type ConnectorRecord, type SecretInput } from '@mail/contracts';
import type { Database, Queryable } from '@mail/db';
import { changedFields, normalizeConnector, type ConnectorSettings } from './connector-settings.js';
import type { ConnectorRepository, ConnectorRow } from './connector.repository.js';
import type { SecretSealer } from './connector-secrets.js';
import type { ImportProblem } from './connector-yaml.js';

export interface ImportChange {
  name: string;
  action: 'create' | 'update' | 'unchanged';
  fields?: string[];
}

export type ImportResult = { ok: true; applied: boolean; changes: ImportChange[] } | { ok: false; problems: ImportProblem[] };

/** Connectors as objects an administrator manages: the rules of create, change, remove, export and import. */
export class ConnectorService {
  constructor(
    private readonly db: Database,
    private readonly repo: ConnectorRepository,
    private readonly sealer: SecretSealer,
  ) {}

  async create(input: ConnectorFields): Promise<Connector> {
    const row = await this.repo.insert(this.db, {
      id: randomUUID(),
      settings: normalizeConnector(input),
      authPasswordSealed: input.authPassword === undefined ? null : this.sealed(input.authPassword),
    });
    if (!row) throw new ContractError('CONFLICT', `a connector named ${input.name} exists already`);
    return connectorView(row);
  }

  async update(name: string, patch: ConnectorPatch): Promise<Connector> {
    return this.db.transaction(async (tx) => {
      const current = await this.require(tx, name);
      const merged: Record<string, unknown> = { ...current.settings };
      for (const [k, v] of Object.entries(patch)) {
        if (k === 'authPassword') continue;
        if (v === null) delete merged[k];
        else if (v !== undefined) merged[k] = v;
      }
      let sealed = current.authPasswordSealed;
      if (patch.authPassword === null) sealed = null;
      else if (patch.authPassword !== undefined) sealed = this.sealed(patch.authPassword);
      // the password is checked as present or not against authUsername like any field
      const checked = ConnectorInput.safeParse({ ...merged, ...(sealed ? { authPassword: { sealed } } : {}) });
      if (!checked.success) throw new ContractError('INVALID', checked.error.issues.map((i) => `${i.path.join('.') || 'connector'}: ${i.message}`).join('; '));
      if (patch.name && patch.name.toLowerCase() !== current.settings.name.toLowerCase() && (await this.repo.find(tx, patch.name))) {
        throw new ContractError('CONFLICT', `a connector named ${patch.name} exists already`);
      }
      const row = await this.repo.update(tx, current.id, { settings: normalizeConnector(checked.data), authPasswordSealed: sealed });
      if (!row) throw new ContractError('NOT_FOUND', `no connector ${name}`);
      return connectorView(row);
    });
  }

  async get(name: string): Promise<Connector> {
    return connectorView(await this.require(this.db, name));
  }

  async list(direction?: 'inbound' | 'outbound'): Promise<{ connectors: Connector[] }> {
    const rows = await this.repo.list(this.db);
    return { connectors: rows.filter((r) => !direction || r.settings.direction === direction).map(connectorView) };
  }

  async remove(name: string): Promise<{ deleted: true }> {
    if (!(await this.repo.delete(this.db, name))) throw new ContractError('NOT_FOUND', `no connector ${name}`);
    return { deleted: true };
  }

  /** What replicas apply: every connector, its password still sealed (delivery opens it with its own key). */
  async snapshot(): Promise<{ connectors: ConnectorRecord[]; version: string }> {
    const [rows, version] = await Promise.all([this.repo.list(this.db), this.repo.version(this.db)]);
    return { connectors: rows.map((r) => ({ ...connectorView(r), ...(r.authPasswordSealed ? { authPasswordSealed: r.authPasswordSealed } : {}) })), version };
  }

  async exportYaml(): Promise<{ yaml: string; count: number }> {
    const rows = await this.repo.list(this.db);
    // the YAML library (72 modules) is loaded at the first export or import, not with the process (ADR 0084)
    const { connectorsToYaml } = await import('./connector-yaml.js');
    return { yaml: connectorsToYaml(rows), count: rows.length };
  }

  /**
   * Applies a connector file: everything is checked first (syntax, every connector, sealed
   * passwords that this key cannot open), and then everything is written in one transaction, or
   * nothing. Connectors not in the file are left alone; an identical connector is not rewritten,
   * so importing the same file twice changes nothing.
   */
  async importYaml(text: string, dryRun: boolean): Promise<ImportResult> {
    const { parseConnectorsYaml } = await import('./connector-yaml.js');
    const parsed = parseConnectorsYaml(text);
    if (!parsed.ok) return parsed;
    const problems: ImportProblem[] = [];
    const prepared = parsed.connectors.map((c, i) => {
      let sealed: string | null | undefined;
      try {
        sealed = c.authPassword === undefined ? undefined : this.sealed(c.authPassword);
      } catch (err) {
        problems.push({ line: parsed.lines[i], message: `connector ${c.name}: ${(err as Error).message}` });
      }
      return { settings: normalizeConnector(c), sealed };
    });
    if (problems.length) return { ok: false, problems };

    const run = async (tx: Queryable) => {
      const existing = new Map((await this.repo.list(tx)).map((r) => [r.settings.name.toLowerCase(), r]));
      const changes: ImportChange[] = [];
      for (const p of prepared) {
        const current = existing.get(p.settings.name.toLowerCase());
        // no password in the file keeps the stored one; a sealed one equal to the stored one is no change
        const sealed = p.sealed === undefined ? (current?.authPasswordSealed ?? null) : p.sealed;
        if (!current) {
          changes.push({ name: p.settings.name, action: 'create' });
          if (!dryRun) await this.repo.insert(tx, { id: randomUUID(), settings: p.settings, authPasswordSealed: sealed });
          continue;
        }
        const fields = changedFields(current.settings, p.settings);
        if (sealed !== current.authPasswordSealed && !(sealed && current.authPasswordSealed && this.sameSecret(sealed, current.authPasswordSealed))) fields.push('authPassword');
        if (!fields.length) {
          changes.push({ name: p.settings.name, action: 'unchanged' });
          continue;
        }
        changes.push({ name: p.settings.name, action: 'update', fields });
        if (!dryRun) await this.repo.update(tx, current.id, { settings: p.settings, authPasswordSealed: sealed });
      }
      return changes;
    };
    const changes = dryRun ? await run(this.db) : await this.db.transaction(run);
    return { ok: true, applied: !dryRun && changes.some((c) => c.action !== 'unchanged'), changes };
  }

  /** clear text is sealed; a sealed value must open with our key (else it came from another platform) */
  private sealed(secret: SecretInput): string {
    if (typeof secret === 'string') return this.sealer.seal(secret);
    try {
      this.sealer.open(secret.sealed);
    } catch {
      throw new ContractError('INVALID', 'authPassword.sealed was sealed with another SECRETS_KEY (or altered): give the password in clear instead');
    }
    return secret.sealed;
  }

  private sameSecret(a: string, b: string): boolean {
    try {
      return this.sealer.open(a) === this.sealer.open(b);
    } catch {
      return false;
    }
  }

  private async require(db: Queryable, name: string): Promise<ConnectorRow> {
    const row = await this.repo.find(db, name);
    if (!row) throw new ContractError('NOT_FOUND', `no connector ${name}`);
    return row;
  }
}

export function connectorView(row: ConnectorRow): Connector {
  const s: ConnectorSettings = row.settings;
  return {
    id: row.id,
    ...s,
    ...(s.direction === 'outbound' ? { authPasswordSet: row.authPasswordSealed !== null } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  } as Connector;
}
