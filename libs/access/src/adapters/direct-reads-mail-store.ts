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
 * publishes its change event on the bus itself, after its commit, as the store does.
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
      const changes = model === appends;
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
        if (changes) await eventsOut(bus, logger, contract.subject);
        return res;
      };
      Object.assign(this, { [name]: call });
    }
  }
}

/**
 * A change made here published its event on the bus after its commit, but a NATS publish only
 * queues it in this process. Over the bus the store's reply followed the event on one connection,
 * so the event reached the server first; here the client hears OK directly, and its next NOOP on
 * another replica could come before the event (ADR 0074's fix: transcripts 09 and 33 failed about
 * one run in two under load). A flush (one PING round trip to the server) restores that order
 * before the reply. The change is committed whatever happens: a failed flush is only logged (the
 * NATS client keeps the event queued and sends it when it reconnects).
 */
async function eventsOut(bus: Bus, logger: Logger, subject: string): Promise<void> {
  try {
    await bus.ping();
  } catch (err) {
    logger.warn({ err, subject }, 'could not flush the change event before the reply');
  }
}
