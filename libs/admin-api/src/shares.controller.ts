import { Body, Controller, Delete, Get, Param, Put, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { ContractError, DeleteAcl, GetAccount, ListShares, SetAcl, type Grantee } from '@mail/contracts';
import { InvalidRightsError, parseRightsModification, type RightsModification } from '@mail/imap-protocol';
import { z } from 'zod';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import type { RouteDoc } from './openapi.js';
import { parseInput } from './validate.js';

/** `user` is an account of the owner's domain or `anyone` (of it); `rights` RFC 4314 letters, "+" adds, "-" removes. */
export const ShareRequest = z.object({
  mailbox: z.string().min(1).max(512).default('INBOX'),
  user: z.string().min(1).max(320),
  rights: z.string().max(64),
});
export const ShareEntry = z.object({ mailbox: z.string(), user: z.string(), rights: z.string() });
const ShareList = z.object({ shares: z.array(ShareEntry) });

/**
 * An account's shared mailboxes (RFC 4314 ACL, ADR 0044), as Exchange's mailbox folder permissions:
 * the admin acts as the owner, so the store's rules apply unchanged (same tenant only).
 */
@Controller('api/v1/accounts/:address/shares')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class SharesController {
  constructor(private readonly bus: Bus) {}

  private async owner(address: string) {
    const a = await this.bus.request(GetAccount, parseInput(GetAccount.request, { address }));
    return { accountId: a.id, address: a.address, tenant: a.domain };
  }

  private async grantee(user: string): Promise<Grantee> {
    if (user.toLowerCase() === 'anyone') return { kind: 'anyone' };
    const a = await this.bus.request(GetAccount, parseInput(GetAccount.request, { address: user }));
    return { kind: 'account', accountId: a.id, address: a.address, tenant: a.domain };
  }

  @Get()
  async list(@Param('address') address: string) {
    const { shares } = await this.bus.request(ListShares, { accountId: (await this.owner(address)).accountId });
    return { shares: shares.map((s) => ({ mailbox: s.mailbox, user: s.identifier, rights: s.rights })) };
  }

  @Put()
  async share(@Param('address') address: string, @Body() body: unknown) {
    const req = parseInput(ShareRequest, body);
    const mod = rights(req.rights);
    const owner = await this.owner(address);
    const res = await this.bus.request(SetAcl, { ...owner, mailbox: req.mailbox, grantee: await this.grantee(req.user), mode: mod.mode, rights: mod.rights });
    return { mailbox: req.mailbox, user: req.user.toLowerCase(), rights: res.rights };
  }

  @Delete()
  async unshare(@Param('address') address: string, @Query('user') user: string | undefined, @Query('mailbox') mailbox: string | undefined) {
    if (!user) throw new ContractError('INVALID', 'the query parameter user is required');
    const owner = await this.owner(address);
    return this.bus.request(DeleteAcl, { ...owner, mailbox: mailbox || 'INBOX', grantee: await this.grantee(user) });
  }
}

function rights(text: string): RightsModification {
  try {
    return parseRightsModification(text);
  } catch (err) {
    if (err instanceof InvalidRightsError) throw new ContractError('INVALID', err.message);
    throw err;
  }
}

const Address = { name: 'address', in: 'path' as const, description: "the owner's email address, URL-encoded", schema: z.string(), required: true };

export const SHARE_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/accounts/{address}/shares',
    operationId: 'listShares',
    summary: "List who may use the account's mailboxes, and with which RFC 4314 rights",
    tag: 'accounts',
    params: [Address],
    status: 200,
    response: ShareList,
    errors: [404],
  },
  {
    method: 'put',
    path: '/api/v1/accounts/{address}/shares',
    operationId: 'shareMailbox',
    summary:
      'Share a mailbox (default INBOX) with an account of the same domain or anyone of it: rights are RFC 4314 letters lrswipkxtea (c = kx, d = et), "+" adds, "-" removes, empty removes the entry; another domain is 403',
    tag: 'accounts',
    params: [Address],
    body: ShareRequest,
    status: 200,
    response: ShareEntry,
    errors: [400, 403, 404],
  },
  {
    method: 'delete',
    path: '/api/v1/accounts/{address}/shares',
    operationId: 'unshareMailbox',
    summary: "Remove a user's (or anyone's) rights on a mailbox (default INBOX)",
    tag: 'accounts',
    params: [Address, { name: 'user', in: 'query', description: 'an address or anyone', schema: z.string(), required: true }, { name: 'mailbox', in: 'query', description: 'default INBOX', schema: z.string() }],
    status: 200,
    response: DeleteAcl.response,
    errors: [400, 403, 404],
  },
];
