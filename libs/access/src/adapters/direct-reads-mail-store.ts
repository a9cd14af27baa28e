import type { Bus } from '@mail/bus';
import { ContractError, type RequestContract } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import { STORE_APPENDS, STORE_READS, type MailAppendModel, type MailReadModel } from '../ports/mail-read-model.port.js';
import { BusMailStore } from './bus-mail-store.js';

/**
 * MailStorePort with the reads (STORE_READS) answered in this process by the store's read model
 * (ADR 0057), the appends (STORE_APPENDS) too when the store's append is composed here (ADR 0063),
 * and everything else that changes mail still sent to the store over the bus. A direct call is
 * validated against its contract as the store's bus handler would validate it; an error that is
 * not a ContractError is logged here and answered as INTERNAL, as over the bus. A direct append
 * publishes its change event on the bus itself, after its commit, as the store does; the store's
 * code composed here (StoreReadsModule) flushes it to the bus before it returns, so the client
 * hears OK only after the event reached the server, as the store's reply over the bus followed its
 * event on one connection (ADR 0074; the flush goes out in the event's own write, ADR 0080).
 */
export class DirectReadsMailStore extends BusMailStore {
  override readonly appendsCommitWithBodies: boolean;

  constructor(bus: Bus, reads: MailReadModel, logger: Logger, appends?: MailAppendModel) {
    super(bus);
    this.appendsCommitWithBodies = !!appends;
    const direct: Array<[string, RequestContract, object]> = [
      ...Object.entries(STORE_READS).map(([name, contract]): [string, RequestContract, object] => [name, contract, reads]),
      ...(appends ? Object.entries(STORE_APPENDS).map(([name, contract]): [string, RequestContract, object] => [name, contract, appends]) : []),
    ];
    for (const [name, contract, model] of direct) {
      const method = (model as Record<string, (p: unknown) => Promise<unknown>>)[name] as (p: unknown) => Promise<unknown>;
      const call = async (req: unknown) => {
        const parsed = contract.request.safeParse(req);
        if (!parsed.success) throw new ContractError('INVALID', `invalid ${contract.subject} payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
        let res: unknown;
        try {
          res = await method.call(model, parsed.data);
        } catch (err) {
          if (err instanceof ContractError && err.code !== 'INTERNAL') throw err;
          logger.error({ err, subject: contract.subject }, 'store request failed in this process');
          throw new ContractError('INTERNAL', 'internal error');
        }
        return res;
      };
      Object.assign(this, { [name]: call });
    }
  }
}

