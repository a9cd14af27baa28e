import type { Bus } from '@mail/bus';
import { ContractError, GetAccount, type FetchAccount, type ParsedRequestOf, type AddFetchAccount, type ResponseOf, type RunFetchAccount, type ShowFetchAccount } from '@mail/contracts';
import type { CredentialSealer } from '../credentials.js';
import { remoteEndpoint } from '../remote/remote-endpoint.js';
import { toFetchAccount } from './fetch-account.records.js';
import type { FetchAccountRepository } from './fetch-account.repository.js';
import type { FetchRunner } from './fetch-runner.js';
import type { FetchScheduler } from './fetch-scheduler.js';

/** The administrator's operations on external accounts (the fetch contracts). */
export class FetchAccountService {
  constructor(
    private readonly bus: Bus,
    private readonly repo: FetchAccountRepository,
    private readonly sealer: CredentialSealer,
    private readonly runner: FetchRunner,
    private readonly scheduler: FetchScheduler,
    private readonly leaseMs: number,
  ) {}

  async add(p: ParsedRequestOf<typeof AddFetchAccount>): Promise<FetchAccount> {
    const endpoint = remoteEndpoint(p);
    if (p.protocol === 'pop3' && p.folders && (p.folders.length !== 1 || p.folders[0].toUpperCase() !== 'INBOX')) {
      throw new ContractError('INVALID', 'POP3 has a single maildrop; --folders applies to IMAP only');
    }
    // the owner must be an account here: mail for an unknown address would have nowhere to go
    const owner = await this.bus.request(GetAccount, { address: p.user });
    const record = await this.repo.insert({
      user: owner.address,
      protocol: p.protocol,
      host: endpoint.host,
      port: endpoint.port,
      tls: endpoint.tls,
      insecure: endpoint.insecure,
      username: p.username,
      sealedPassword: this.sealer.seal(p.password),
      folders: p.protocol === 'pop3' ? ['INBOX'] : [...new Set(p.folders?.length ? p.folders : ['INBOX'])],
      intervalSeconds: p.intervalSeconds,
      leaveOnServer: p.leaveOnServer,
    });
    this.scheduler.poke();
    return toFetchAccount(record);
  }

  async list(user?: string): Promise<{ accounts: FetchAccount[] }> {
    return { accounts: (await this.repo.list(user)).map(toFetchAccount) };
  }

  async show(id: string): Promise<ResponseOf<typeof ShowFetchAccount>> {
    const record = await this.found(id);
    const [folders, errors] = await Promise.all([this.repo.folders(id), this.repo.recentErrors(id)]);
    return { account: toFetchAccount(record), folders, recentErrors: errors.map((e) => ({ at: e.at.toISOString(), kind: e.kind, message: e.message })) };
  }

  async remove(id: string): Promise<{ removed: true }> {
    if (!(await this.repo.remove(id))) throw new ContractError('NOT_FOUND', `no external account ${id}`);
    return { removed: true };
  }

  async enable(id: string, password?: string): Promise<FetchAccount> {
    const record = await this.repo.enable(id, password === undefined ? undefined : this.sealer.seal(password));
    if (!record) throw new ContractError('NOT_FOUND', `no external account ${id}`);
    this.scheduler.poke();
    return toFetchAccount(record);
  }

  /** Runs an account now in this replica and answers how it went; `ran: false` when a run holds it already. */
  async runNow(id: string): Promise<ResponseOf<typeof RunFetchAccount>> {
    const existing = await this.found(id);
    if (!existing.enabled) throw new ContractError('CONFLICT', `external account ${id} is disabled (${existing.disabledReason ?? 'by an administrator'}): enable it first`);
    const account = await this.repo.claimOne(id, this.scheduler.owner, this.leaseMs);
    if (!account) return { ran: false, fetched: 0, deleted: 0, error: null };
    const { result, error } = await this.scheduler.track(this.runner.run(account, this.scheduler.owner, () => this.scheduler.isStopping));
    return { ran: true, fetched: result.fetched, deleted: result.deleted, error };
  }

  private async found(id: string) {
    const record = await this.repo.get(id);
    if (!record) throw new ContractError('NOT_FOUND', `no external account ${id}`);
    return record;
  }
}
