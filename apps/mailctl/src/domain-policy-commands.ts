import { UsageError, type CommandSpec } from './commands.js';
import { clean } from './table.js';

const DMARC_POLICIES = ['enforce', 'report-only'];

/** `domain set`: a hosted domain's inbound policy (PUT /api/v1/domains/{name}/policy). */
export const DOMAIN_POLICY_COMMANDS: CommandSpec[] = [
  {
    words: ['domain', 'set'],
    usage: 'domain set <name> --dmarc-policy enforce|report-only',
    summary: "apply a failing sender's DMARC policy to the domain's incoming mail (enforce, the default) or only report it",
    options: { 'dmarc-policy': { type: 'string' } },
    args: { min: 1, max: 1 },
    plan: ([name], opts) => {
      const dmarcPolicy = opts['dmarc-policy'];
      if (typeof dmarcPolicy !== 'string') throw new UsageError('nothing to set: give --dmarc-policy', 'domain set <name> --dmarc-policy enforce|report-only');
      if (!DMARC_POLICIES.includes(dmarcPolicy)) throw new UsageError(`--dmarc-policy must be one of ${DMARC_POLICIES.join(', ')}`);
      return {
        call: { method: 'PUT', path: `/api/v1/domains/${encodeURIComponent(name)}/policy`, body: { dmarcPolicy } },
        render: (r) => {
          const p = r as { name: string; dmarcPolicy: string };
          return `domain ${clean(p.name)}: dmarc policy ${clean(p.dmarcPolicy)}\n`;
        },
      };
    },
  },
];
