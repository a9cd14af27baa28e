import { quotaResponse, quotaRootResponse } from '@mail/imap-protocol';
import { QUOTA_ROOT, quotaResources } from '../account-quota.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec, ImapUser, SessionHandle } from '../session-handle.js';

/** `* QUOTA "" (...)` for the account, or false when it has no limits (so no quota root) */
async function sendQuota(s: SessionHandle, user: ImapUser): Promise<boolean> {
  // the directory's limits (cached in the adapter, emptied by directory changes)
  const limits = await s.ctx.auth.accountQuota(user.address);
  if (!limits) return false;
  const { accounts } = await s.ctx.store.accountUsage({ accountIds: [user.accountId] });
  const usage = accounts[0] ?? { bytes: 0, messages: 0 };
  await s.out.send(quotaResponse(QUOTA_ROOT, quotaResources(limits, usage)));
  return true;
}

/** GETQUOTAROOT (RFC 9208 4.3): every mailbox of an account with limits is under the root "". */
export const getQuotaRoot: CommandSpec<Command<'GETQUOTAROOT'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const name = mailboxArgument(cmd.mailbox, s.utf8Names);
    await s.ctx.store.mailboxStatus({ accountId: user.accountId, name });
    const limits = await s.ctx.auth.accountQuota(user.address);
    await s.out.send(quotaRootResponse(name, limits ? [QUOTA_ROOT] : [], s.utf8Names));
    if (limits) await sendQuota(s, user);
    return ok('GETQUOTAROOT completed');
  },
};

/** GETQUOTA (RFC 9208 4.2): the root "" when the account has limits; no other root exists. */
export const getQuota: CommandSpec<Command<'GETQUOTA'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    if (cmd.root !== QUOTA_ROOT || !(await sendQuota(s, user))) return no('No such quota root', 'NONEXISTENT');
    return ok('GETQUOTA completed');
  },
};

/** SETQUOTA (RFC 9208 4.1): limits are the administrator's (mailctl user quota), never a user's. */
export const setQuota: CommandSpec<Command<'SETQUOTA'>> = {
  state: 'authenticated',
  run() {
    return no('Quotas are set by the administrator', 'NOPERM');
  },
};
