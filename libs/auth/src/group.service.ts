import { randomUUID } from 'node:crypto';
import { ContractError, type Group } from '@mail/contracts';
import { normalizeDomain } from './address.js';
import type { GroupRecord } from './directory.records.js';
import type { DirectoryRepository } from './directory.repository.js';
import { addressTaken, requireAddress, requireDomain, requireProvisionable } from './directory-rules.js';

export const groupView = (g: GroupRecord): Group => ({
  id: g.id,
  address: g.address,
  displayName: g.displayName,
  hostedSendersOnly: g.hostedSendersOnly,
  members: g.members,
  createdAt: g.createdAt.toISOString(),
});

/**
 * Provisioning of distribution groups. Members are addresses, as alias targets are: an account, an
 * alias, another group (nesting, loops included, is resolved at expansion) or a remote address.
 */
export class GroupService {
  constructor(private readonly repo: DirectoryRepository) {}

  async create(req: { address: string; displayName?: string; hostedSendersOnly?: boolean; members?: string[] }): Promise<Group> {
    const addr = requireProvisionable(req.address);
    const domain = await requireDomain(this.repo, addr.domain);
    const members = memberList(addr.address, req.members ?? []);
    const { taken, group } = await this.repo.insertGroup({
      id: randomUUID(),
      address: addr.address,
      domainId: domain.id,
      displayName: req.displayName?.trim() || null,
      hostedSendersOnly: req.hostedSendersOnly ?? false,
      members,
    });
    if (taken || !group) throw addressTaken(addr.address, taken);
    return groupView(group);
  }

  async list(rawDomain?: string): Promise<{ groups: Group[] }> {
    const domain = rawDomain === undefined ? undefined : await requireDomain(this.repo, normalizeDomain(rawDomain));
    return { groups: (await this.repo.listGroups(domain?.id)).map(groupView) };
  }

  async get(rawAddress: string): Promise<Group> {
    const address = requireAddress(rawAddress).address;
    const [group] = await this.repo.findGroups([address]);
    if (!group) throw new ContractError('NOT_FOUND', `no group ${address}`);
    return groupView(group);
  }

  async remove(rawAddress: string): Promise<{ deleted: true }> {
    const address = requireAddress(rawAddress).address;
    if (!(await this.repo.deleteGroup(address))) throw new ContractError('NOT_FOUND', `no group ${address}`);
    return { deleted: true };
  }

  async updateMembers(req: { address: string; add?: string[]; remove?: string[] }): Promise<Group> {
    const address = requireAddress(req.address).address;
    const add = memberList(address, req.add ?? []);
    const remove = (req.remove ?? []).map((m) => requireAddress(m, 'member').address);
    const group = await this.repo.updateGroupMembers(address, add, remove);
    if (!group) throw new ContractError('NOT_FOUND', `no group ${address}`);
    return groupView(group);
  }

  /** `group set`: options and, when given, the whole member list, in one change. */
  async update(req: { address: string; displayName?: string | null; hostedSendersOnly?: boolean; members?: string[] }): Promise<Group> {
    const address = requireAddress(req.address).address;
    const displayName = req.displayName === undefined ? undefined : req.displayName?.trim() || null;
    const members = req.members && memberList(address, req.members);
    if (displayName === undefined && req.hostedSendersOnly === undefined && !members) throw new ContractError('INVALID', 'nothing to change');
    const group = await this.repo.updateGroup(address, { displayName, hostedSendersOnly: req.hostedSendersOnly, members });
    if (!group) throw new ContractError('NOT_FOUND', `no group ${address}`);
    return groupView(group);
  }
}

function memberList(group: string, raw: string[]): string[] {
  const members = [...new Set(raw.map((m) => requireAddress(m, 'member').address))];
  // a group reached again through another group is cut at expansion; directly it is only a mistake
  if (members.includes(group)) throw new ContractError('INVALID', `group ${group} can't be a member of itself`);
  return members;
}
