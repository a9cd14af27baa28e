import { DeleteAcl, GetAcl, MyRights, SetAcl, type Grantee } from '@mail/contracts';
import { aclResponse, listableRights, listRightsResponse, myRightsResponse } from '@mail/imap-protocol';
import { callerOf, tenantOf } from '../caller.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { bad, no, ok, ReplyError } from '../reply.js';
import type { Command, CommandSpec, ImapUser, SessionHandle } from '../session-handle.js';
import type { SharingPort } from '../../ports/sharing.port.js';

/**
 * RFC 4314 ACL: SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS. Identifiers are the addresses of
 * accounts of the user's own domain (a bare local part means one of it) or `anyone`, which means
 * anyone of the domain (ADR 0044). The store checks the rights and the tenant again.
 */

function sharing(s: SessionHandle): SharingPort {
  const port = s.ctx.sharing;
  if (!port) throw new ReplyError(no('Sharing is not available', 'UNAVAILABLE'));
  return port;
}

/** An identifier to a grantee; another domain is refused before the directory is asked, so nothing about it leaks. */
async function grantee(s: SessionHandle, user: ImapUser, identifier: string): Promise<Grantee> {
  const id = identifier.toLowerCase();
  if (id === 'anyone') return { kind: 'anyone' };
  if (id.startsWith('-')) throw new ReplyError(no('Negative rights are not supported', 'CANNOT'));
  const tenant = tenantOf(user);
  const address = id.includes('@') ? id : `${id}@${tenant}`;
  if (address.slice(address.lastIndexOf('@') + 1) !== tenant) throw new ReplyError(no('Mailboxes are shared only within your domain', 'NOPERM'));
  const account = await sharing(s).findAccount(address);
  if (!account) throw new ReplyError(no(`No such user`, 'NONEXISTENT'));
  return { kind: 'account', accountId: account.accountId, address: account.address, tenant };
}

export const setacl: CommandSpec<Command<'SETACL'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const target = await grantee(s, user, cmd.identifier);
    await sharing(s).acl(SetAcl, { ...callerOf(user), mailbox: mailboxArgument(cmd.mailbox, s.utf8Names), grantee: target, mode: cmd.rights.mode, rights: cmd.rights.rights });
    return ok('SETACL completed');
  },
};

export const deleteacl: CommandSpec<Command<'DELETEACL'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const target = await grantee(s, user, cmd.identifier);
    await sharing(s).acl(DeleteAcl, { ...callerOf(user), mailbox: mailboxArgument(cmd.mailbox, s.utf8Names), grantee: target });
    return ok('DELETEACL completed');
  },
};

export const getacl: CommandSpec<Command<'GETACL'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const res = await sharing(s).acl(GetAcl, { ...callerOf(user), mailbox: mailboxArgument(cmd.mailbox, s.utf8Names) });
    await s.out.send(aclResponse(mailboxArgument(cmd.mailbox, s.utf8Names), res.entries, s.utf8Names));
    return ok('GETACL completed');
  },
};

/** LISTRIGHTS needs "a" like GETACL (RFC 4314 4); the owner of the mailbox always holds every right. */
export const listrights: CommandSpec<Command<'LISTRIGHTS'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    if (!cmd.identifier) return bad('Missing identifier');
    const name = mailboxArgument(cmd.mailbox, s.utf8Names);
    const { owner } = await sharing(s).acl(GetAcl, { ...callerOf(user), mailbox: name });
    const id = cmd.identifier.toLowerCase();
    const isOwner = id === owner || `${id}@${tenantOf(user)}` === owner;
    const { required, optional } = listableRights(isOwner);
    await s.out.send(listRightsResponse(name, cmd.identifier, required, optional, s.utf8Names));
    return ok('LISTRIGHTS completed');
  },
};

export const myrights: CommandSpec<Command<'MYRIGHTS'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const name = mailboxArgument(cmd.mailbox, s.utf8Names);
    const res = await sharing(s).acl(MyRights, { ...callerOf(user), mailbox: name });
    await s.out.send(myRightsResponse(name, res.rights, s.utf8Names));
    return ok('MYRIGHTS completed');
  },
};
