import { UsageError, type CommandSpec } from './commands.js';
import { clean } from './table.js';

const DMARC_POLICIES = ['enforce', 'report-only'];
const OVER_QUOTA = ['defer', 'reject'];
const USAGE = 'domain set <name> [--dmarc-policy enforce|report-only] [--catch-all <address>|none] [--subaddressing <separators>|off] [--over-quota defer|reject]';

interface DomainPolicyView {
  name: string;
  dmarcPolicy: string;
  catchAll?: string | null;
  subaddressSeparators?: string;
  overQuota?: string;
}

function describePolicy(p: DomainPolicyView): string {
  const lines = [`domain ${clean(p.name)}: dmarc policy ${clean(p.dmarcPolicy)}`];
  if (p.catchAll !== undefined) lines.push(`  catch-all:      ${clean(p.catchAll) || 'none'}`);
  if (p.subaddressSeparators !== undefined) lines.push(`  subaddressing:  ${p.subaddressSeparators ? clean(p.subaddressSeparators) : 'off'}`);
  if (p.overQuota !== undefined) lines.push(`  over quota:     ${p.overQuota === 'reject' ? 'reject (552 5.2.2)' : 'defer (452 4.2.2)'}`);
  return `${lines.join('\n')}\n`;
}

/** `domain set`: a hosted domain's inbound policy and local routing (PUT /api/v1/domains/{name}/policy). */
export const DOMAIN_POLICY_COMMANDS: CommandSpec[] = [
  {
    words: ['domain', 'set'],
    usage: USAGE,
    summary:
      "change a domain's settings: apply a failing sender's DMARC policy (enforce, the default) or only report it; " +
      "a catch-all address for unknown recipients; the subaddress separators (default +); a full mailbox's answer (defer, the default, or reject)",
    options: { 'dmarc-policy': { type: 'string' }, 'catch-all': { type: 'string' }, subaddressing: { type: 'string' }, 'over-quota': { type: 'string' } },
    args: { min: 1, max: 1 },
    plan: ([name], opts) => {
      const body: Record<string, unknown> = {};
      const dmarcPolicy = opts['dmarc-policy'];
      if (typeof dmarcPolicy === 'string') {
        if (!DMARC_POLICIES.includes(dmarcPolicy)) throw new UsageError(`--dmarc-policy must be one of ${DMARC_POLICIES.join(', ')}`);
        body.dmarcPolicy = dmarcPolicy;
      }
      const catchAll = opts['catch-all'];
      if (typeof catchAll === 'string') body.catchAll = catchAll === 'none' ? null : catchAll;
      const sub = opts.subaddressing;
      if (typeof sub === 'string') body.subaddressSeparators = sub === 'off' ? '' : sub;
      const overQuota = opts['over-quota'];
      if (typeof overQuota === 'string') {
        if (!OVER_QUOTA.includes(overQuota)) throw new UsageError(`--over-quota must be one of ${OVER_QUOTA.join(', ')}`);
        body.overQuota = overQuota;
      }
      if (!Object.keys(body).length) throw new UsageError('nothing to set: give --dmarc-policy, --catch-all, --subaddressing or --over-quota', USAGE);
      return {
        call: { method: 'PUT', path: `/api/v1/domains/${encodeURIComponent(name)}/policy`, body },
        render: (r) => describePolicy(r as DomainPolicyView),
      };
    },
  },
];
