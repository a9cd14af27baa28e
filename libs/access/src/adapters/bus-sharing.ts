import { Bus } from '@mail/bus';
import { ContractError, GetAccount, type RequestOf, type ResponseOf } from '@mail/contracts';
import { SharingPort, type AclContract } from '../ports/sharing.port.js';

/** SharingPort over the bus: the store answers the ACL, the directory resolves grantees. */
export class BusSharing extends SharingPort {
  constructor(private readonly bus: Bus) {
    super();
  }

  acl<C extends AclContract>(contract: C, req: RequestOf<C>): Promise<ResponseOf<C>> {
    return this.bus.request(contract, req);
  }

  async findAccount(address: string): Promise<{ accountId: string; address: string } | null> {
    try {
      const account = await this.bus.request(GetAccount, { address });
      return { accountId: account.id, address: account.address };
    } catch (err) {
      if (err instanceof ContractError && (err.code === 'NOT_FOUND' || err.code === 'INVALID')) return null;
      throw err;
    }
  }
}
