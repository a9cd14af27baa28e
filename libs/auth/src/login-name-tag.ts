import { createHash } from 'node:crypto';

/**
 * How a login name that failed appears in logs: a short hash an operator can match against a
 * name they suspect, plus the domain when there is a plausible one. Never the name itself: users
 * type their password into the name field, and that would land in the log (issue 11).
 */
export function loginNameTag(login: string): { userHash: string; userDomain?: string } {
  const userHash = createHash('sha256').update(login).digest('hex').slice(0, 16);
  const at = login.lastIndexOf('@');
  const domain = at > 0 ? login.slice(at + 1) : '';
  return /^[a-z0-9.-]{1,253}$/.test(domain) && domain.includes('.') ? { userHash, userDomain: domain } : { userHash };
}
