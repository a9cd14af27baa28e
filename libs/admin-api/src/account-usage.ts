import type { Bus } from '@mail/bus';
import { Account, AccountUsage, GetAccountUsage } from '@mail/contracts';
import { createLogger } from '@mail/telemetry';
import { z } from 'zod';

const logger = createLogger('admin-api');

/** An account as the API shows it: the directory's record and what its mailboxes hold (null: the store did not answer). */
export const AccountWithUsage = Account.extend({ usage: AccountUsage.omit({ accountId: true }).nullable() });
export type AccountWithUsage = z.infer<typeof AccountWithUsage>;

/**
 * Adds each account's usage from the store, 1,000 accounts per request. The directory's answer is
 * worth showing even when the store is down, so a failure leaves usage null rather than failing.
 */
export async function withUsage(bus: Bus, accounts: Account[]): Promise<AccountWithUsage[]> {
  const usage = new Map<string, AccountUsage>();
  try {
    for (let i = 0; i < accounts.length; i += 1000) {
      const { accounts: got } = await bus.request(GetAccountUsage, { accountIds: accounts.slice(i, i + 1000).map((a) => a.id) });
      for (const u of got) usage.set(u.accountId, u);
    }
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'account usage unavailable');
  }
  return accounts.map((a) => {
    const u = usage.get(a.id);
    return { ...a, usage: u ? { bytes: u.bytes, messages: u.messages } : null };
  });
}
