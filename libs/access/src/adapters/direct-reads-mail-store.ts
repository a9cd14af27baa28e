import type { Bus } from '@mail/bus';
import { ContractError, type RequestContract } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import { STORE_READS, type MailReadModel } from '../ports/mail-read-model.port.js';
import { BusMailStore } from './bus-mail-store.js';

/**
 * MailStorePort with the reads (STORE_READS) answered in this process by the store's read model
 * (ADR 0057) and everything that changes mail still sent to the store over the bus, which publishes
 * the change events. A read is validated against its contract as the store's bus handler would
 * validate it; an error that is not a ContractError is logged here and answered as INTERNAL, as
 * over the bus.
 */
export class DirectReadsMailStore extends BusMailStore {
  constructor(bus: Bus, reads: MailReadModel, logger: Logger) {
    super(bus);
    for (const [name, contract] of Object.entries(STORE_READS) as [keyof MailReadModel, RequestContract][]) {
      const read = reads[name] as (p: unknown) => Promise<unknown>;
      const direct = async (req: unknown) => {
        const parsed = contract.request.safeParse(req);
        if (!parsed.success) throw new ContractError('INVALID', `invalid ${contract.subject} payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
        try {
          return await read.call(reads, parsed.data);
        } catch (err) {
          if (err instanceof ContractError && err.code !== 'INTERNAL') throw err;
          logger.error({ err, subject: contract.subject }, 'store read failed');
          throw new ContractError('INTERNAL', 'internal error');
        }
      };
      Object.assign(this, { [name]: direct });
    }
  }
}
