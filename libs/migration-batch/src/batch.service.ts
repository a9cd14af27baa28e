import {
  ContractError,
  defaultRemotePort,
  type AddBatchUsers,
  type BatchAction,
  type BatchView,
  type BatchUserView,
  type ChangeBatch,
  type CreateBatch,
  type GetBatch,
  type ParsedRequestOf,
  type ResponseOf,
} from '@mail/contracts';
import type { Database } from '@mail/db';
import type { SecretBox } from '@mail/secrets';
import type { z } from 'zod';
import { endpointProblem } from './adapters/remote-endpoint.js';
import type { BatchRepository, BatchRow, UserSummaryRow } from './batch.repository.js';

/** Which user states each action queues, and the batch state it moves to. */
const ACTIONS: Record<z.infer<typeof BatchAction>, { from: string[]; to: BatchView['state']; queue: string[]; pass: number | 'keep' }> = {
  start: { from: ['created'], to: 'running', queue: ['pending'], pass: 1 },
  stop: { from: ['running', 'completing'], to: 'stopping', queue: [], pass: 'keep' },
  resume: { from: ['stopped', 'stopping', 'synced', 'running'], to: 'running', queue: ['stopped', 'failed', 'pending'], pass: 'keep' },
  complete: { from: ['synced', 'stopped'], to: 'completing', queue: ['synced', 'stopped', 'failed', 'pending', 'queued'], pass: 2 },
};

/** The batch requests: validation, sealing, state changes. The workers are in batch-worker.ts. */
export class BatchService {
  constructor(
    private readonly db: Database,
    private readonly repo: BatchRepository,
    private readonly secrets: SecretBox | undefined,
  ) {}

  async create(req: ParsedRequestOf<typeof CreateBatch>): Promise<ResponseOf<typeof CreateBatch>> {
    const port = req.port ?? defaultRemotePort('imap', req.tls);
    const problem = endpointProblem({ host: req.host, port, tls: req.tls, insecure: req.insecure });
    if (problem) throw new ContractError('INVALID', problem);
    const box = this.box();
    if (await this.repo.byName(this.db, req.name)) throw new ContractError('CONFLICT', `a migration batch named ${req.name} exists`);
    assertDistinct(req.users.map((u) => u.emailAddress));
    try {
      const row = await this.repo.create(
        { name: req.name, host: req.host, port, tls: req.tls, insecure: req.insecure, max_connections: req.maxConnections, messages_per_second: req.messagesPerSecond },
        req.users.map((u) => ({ emailAddress: u.emailAddress, userName: u.userName, passwordSealed: box.seal(u.password) })),
      );
      return { id: row.id, name: row.name };
    } catch (err) {
      if (isUniqueViolation(err)) throw new ContractError('CONFLICT', `a migration batch named ${req.name} exists`);
      throw err;
    }
  }

  async addUsers(req: ParsedRequestOf<typeof AddBatchUsers>): Promise<ResponseOf<typeof AddBatchUsers>> {
    const box = this.box();
    assertDistinct(req.users.map((u) => u.emailAddress));
    const sealed = req.users.map((u) => ({ emailAddress: u.emailAddress, userName: u.userName, passwordSealed: box.seal(u.password) }));
    try {
      return await this.db.transaction(async (tx) => {
        const batch = await this.repo.byName(tx, req.name, true);
        if (!batch) throw new ContractError('NOT_FOUND', `no migration batch named ${req.name}`);
        if (batch.state !== 'created') throw new ContractError('INVALID', `users can only be added before the batch starts (it is ${batch.state})`);
        await this.repo.insertUsers(tx, batch.id, sealed);
        const { rows } = await tx.query<{ n: string }>('SELECT count(*) AS n FROM migration_batch.users WHERE batch_id = $1', [batch.id]);
        return { users: Number(rows[0].n) };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ContractError('CONFLICT', 'a user of this list is already in the batch');
      throw err;
    }
  }

  async list(): Promise<BatchView[]> {
    return Promise.all((await this.repo.list()).map((b) => this.view(b)));
  }

  async get(req: ParsedRequestOf<typeof GetBatch>): Promise<ResponseOf<typeof GetBatch>> {
    const batch = await this.mustExist(req.name);
    const rows = await this.repo.users(batch.id, { offset: req.offset, limit: req.limit, address: req.user });
    if (req.user && !rows.length) throw new ContractError('NOT_FOUND', `${req.user} is not in batch ${batch.name}`);
    const users = await Promise.all(
      rows.map(async (r) => {
        const view = userView(r);
        if (req.user) {
          view.folderDetails = (await this.repo.folders(r.id)).map((f) => ({
            remotePath: f.remotePath,
            localName: f.localName,
            messagesTotal: f.total,
            messagesDone: f.done,
            bytesDone: f.bytes,
            errors: f.errors,
            lastError: f.lastError,
          }));
        }
        return view;
      }),
    );
    return { ...(await this.view(batch)), users };
  }

  async change(req: ParsedRequestOf<typeof ChangeBatch>): Promise<ResponseOf<typeof ChangeBatch>> {
    const rule = ACTIONS[req.action];
    const batch = await this.db.transaction(async (tx) => {
      const b = await this.repo.byName(tx, req.name, true);
      if (!b) throw new ContractError('NOT_FOUND', `no migration batch named ${req.name}`);
      if (!rule.from.includes(b.state)) throw new ContractError('INVALID', `cannot ${req.action} batch ${b.name}: it is ${b.state}`);
      if (req.action === 'start' || req.action === 'resume' || req.action === 'complete') this.box();
      // a batch stopped while completing resumes completing (its users were queued for the final pass)
      const completing = req.action === 'resume' && (await wasCompleting(tx, b.id));
      if (rule.queue.length) await this.repo.queueUsers(tx, b.id, rule.queue as never, rule.pass === 'keep' ? (completing ? 2 : 1) : rule.pass);
      if (req.action === 'stop') await this.repo.stopQueued(tx, b.id);
      const to = completing ? 'completing' : rule.to;
      await this.repo.setBatchState(tx, b.id, to, req.action === 'start' ? 'started_at' : undefined);
      return { ...b, state: to };
    });
    await this.repo.settleBatches();
    return this.view((await this.repo.byName(this.db, batch.name)) ?? batch);
  }

  async delete(name: string): Promise<void> {
    const batch = await this.mustExist(name);
    if (batch.state === 'running' || batch.state === 'completing' || batch.state === 'stopping') {
      throw new ContractError('INVALID', `batch ${batch.name} is ${batch.state}: stop it first`);
    }
    await this.repo.delete(batch.id);
  }

  private async mustExist(name: string): Promise<BatchRow> {
    const batch = await this.repo.byName(this.db, name);
    if (!batch) throw new ContractError('NOT_FOUND', `no migration batch named ${name}`);
    return batch;
  }

  private async view(b: BatchRow): Promise<BatchView> {
    const counts = await this.repo.counts(b.id);
    return {
      id: b.id,
      name: b.name,
      host: b.host,
      port: b.port,
      tls: b.tls,
      insecure: b.insecure,
      maxConnections: b.max_connections,
      messagesPerSecond: b.messages_per_second,
      state: b.state,
      createdAt: b.created_at.toISOString(),
      startedAt: b.started_at?.toISOString() ?? null,
      completedAt: b.completed_at?.toISOString() ?? null,
      counts: { users: Object.values(counts.byState).reduce((a, n) => a + n, 0), ...counts },
    };
  }

  private box(): SecretBox {
    if (!this.secrets) throw new ContractError('UNAVAILABLE', 'migration batches need SECRETS_KEY to seal the users\' passwords; set it on this service');
    return this.secrets;
  }
}

async function wasCompleting(q: { query: Database['query'] }, batchId: string): Promise<boolean> {
  const { rows } = await q.query<{ n: string }>('SELECT count(*) AS n FROM migration_batch.users WHERE batch_id = $1 AND pass = 2', [batchId]);
  return Number(rows[0].n) > 0;
}

function userView(r: UserSummaryRow): BatchUserView {
  return {
    emailAddress: r.email_address,
    userName: r.user_name,
    state: r.state,
    folders: Number(r.folders),
    messagesTotal: Number(r.messages_total),
    messagesDone: Number(r.messages_done),
    bytesDone: Number(r.bytes_done),
    errors: Number(r.errors),
    attempts: r.attempts,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at?.toISOString() ?? null,
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

function assertDistinct(addresses: string[]): void {
  const seen = new Set<string>();
  for (const a of addresses) {
    const k = a.toLowerCase();
    if (seen.has(k)) throw new ContractError('INVALID', `${a} is listed twice`);
    seen.add(k);
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}
