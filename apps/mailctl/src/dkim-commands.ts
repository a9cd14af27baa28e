import { UsageError, type CommandSpec } from './commands.js';
import { clean, table } from './table.js';
import { zoneLine, type ZoneRecord } from './zone-record.js';

interface DkimKey {
  domain: string;
  selector: string;
  algorithm: string;
  status: string;
  createdAt: string;
  dnsName: string;
  txt: string;
}
interface DnsRecords {
  domain: string;
  records: Array<ZoneRecord & { purpose: string; note?: string }>;
  mtaStsPolicy: string;
}

const enc = encodeURIComponent;
const dkimRecord = (k: DkimKey) => zoneLine({ name: k.dnsName, type: 'TXT', value: k.txt });

function algorithmOption(value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value !== 'rsa-2048' && value !== 'ed25519') throw new UsageError(`--algorithm must be rsa-2048 or ed25519 (got ${JSON.stringify(value)})`);
  return value;
}

/** `mailctl dkim ...` and `mailctl domain dns`: signing keys and the DNS records to publish. */
export const DKIM_COMMANDS: CommandSpec[] = [
  {
    words: ['dkim', 'add'],
    usage: 'dkim add <domain> [--selector <s>] [--algorithm rsa-2048|ed25519]',
    summary: 'generate a DKIM signing key for a domain and print the TXT record to publish',
    options: { selector: { type: 'string' }, algorithm: { type: 'string' } },
    args: { min: 1, max: 1 },
    plan: ([domain], opts) => {
      const body: Record<string, unknown> = { domain };
      if (typeof opts.selector === 'string') body.selector = opts.selector;
      const algorithm = algorithmOption(opts.algorithm);
      if (algorithm) body.algorithm = algorithm;
      return {
        call: { method: 'POST', path: '/api/v1/dkim', body },
        render: (r) => {
          const k = r as DkimKey;
          return `DKIM key ${clean(k.selector)} (${clean(k.algorithm)}) added for ${clean(k.domain)}; publish this TXT record:\n${dkimRecord(k)}\n`;
        },
      };
    },
  },
  {
    words: ['dkim', 'list'],
    usage: 'dkim list [--domain <name>]',
    summary: 'list DKIM keys',
    options: { domain: { type: 'string' } },
    args: { min: 0, max: 0 },
    plan: (_args, opts) => ({
      call: { method: 'GET', path: typeof opts.domain === 'string' ? `/api/v1/dkim?domain=${enc(opts.domain)}` : '/api/v1/dkim' },
      render: (r) => {
        const { keys } = r as { keys: DkimKey[] };
        if (!keys.length) return 'no DKIM keys\n';
        return table(['DOMAIN', 'SELECTOR', 'ALGORITHM', 'STATUS', 'CREATED'], keys.map((k) => [clean(k.domain), clean(k.selector), clean(k.algorithm), clean(k.status), clean(k.createdAt)]));
      },
    }),
  },
  {
    words: ['dkim', 'rotate'],
    usage: 'dkim rotate <domain> [--algorithm rsa-2048|ed25519]',
    summary: 'new key(s) under new selectors; the old ones retire (keep their TXT records until mail signed with them is delivered)',
    options: { algorithm: { type: 'string' } },
    args: { min: 1, max: 1 },
    plan: ([domain], opts) => {
      const algorithm = algorithmOption(opts.algorithm);
      return {
        call: { method: 'POST', path: `/api/v1/dkim/${enc(domain)}/rotate`, body: algorithm ? { algorithm } : {} },
        render: (r) => {
          const { created, retired } = r as { created: DkimKey[]; retired: DkimKey[] };
          return [
            ...created.map((k) => `new key ${clean(k.selector)} (${clean(k.algorithm)}); publish:\n${dkimRecord(k)}`),
            ...retired.map((k) => `retired ${clean(k.selector)}: remove it later with 'mailctl dkim remove ${clean(k.domain)} ${clean(k.selector)}'`),
            '',
          ].join('\n');
        },
      };
    },
  },
  {
    words: ['dkim', 'remove'],
    usage: 'dkim remove <domain> <selector>',
    summary: 'delete a DKIM key',
    options: {},
    args: { min: 2, max: 2 },
    plan: ([domain, selector]) => ({
      call: { method: 'DELETE', path: `/api/v1/dkim/${enc(domain)}/${enc(selector)}` },
      render: () => `DKIM key ${clean(selector)} of ${clean(domain)} removed\n`,
    }),
  },
  {
    words: ['dkim', 'dns'],
    usage: 'dkim dns <domain>',
    summary: "print the domain's DKIM TXT records",
    options: {},
    args: { min: 1, max: 1 },
    plan: ([domain]) => ({
      call: { method: 'GET', path: `/api/v1/dkim?domain=${enc(domain)}` },
      render: (r) => {
        const { keys } = r as { keys: DkimKey[] };
        return keys.length ? keys.map((k) => `${dkimRecord(k)}${k.status === 'retired' ? ' ; retired' : ''}\n`).join('') : `no DKIM keys for ${clean(domain)}\n`;
      },
    }),
  },
  {
    words: ['domain', 'dns'],
    usage: 'domain dns <domain>',
    summary: 'print the DNS records to publish for a domain (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT)',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([domain]) => ({
      call: { method: 'GET', path: `/api/v1/domains/${enc(domain)}/dns` },
      render: (r) => {
        const d = r as DnsRecords;
        const lines = [`; DNS records for ${clean(d.domain)}`];
        for (const rec of d.records) {
          lines.push(`; ${clean(rec.purpose)}${rec.note ? `: ${clean(rec.note)}` : ''}`);
          if (rec.value) lines.push(zoneLine(rec));
        }
        lines.push('', `; MTA-STS policy, served as https://mta-sts.${clean(d.domain)}/.well-known/mta-sts.txt:`, ...d.mtaStsPolicy.trimEnd().split(/\r?\n/).map((l) => `;   ${clean(l)}`), '');
        return lines.join('\n');
      },
    }),
  },
];
