import { readFile } from 'node:fs/promises';
import type { CommandSpec, Plan } from './commands.js';
import { UsageError } from './commands.js';
import { clean, table } from './table.js';
import { parseSize } from './quota.js';

type Kind = 'list' | 'bool' | 'int' | 'size' | 'text';

/** Every connector field settable from the command line, as --kebab-case of its (Exchange) name. */
const FIELDS: Record<string, Kind> = {
  enabled: 'bool',
  comment: 'text',
  maxMessageSize: 'size',
  type: 'text',
  senderDomains: 'list',
  senderIpAddresses: 'list',
  requireTls: 'bool',
  tlsSenderCertificateName: 'text',
  restrictDomainsToIpAddresses: 'bool',
  restrictDomainsToCertificate: 'bool',
  skipIpAddresses: 'list',
  skipLastIp: 'bool',
  maxMessagesPerMinute: 'int',
  recipientDomains: 'list',
  smartHosts: 'list',
  useMxRecord: 'bool',
  tlsSettings: 'text',
  tlsDomain: 'text',
  authUsername: 'text',
  authPassword: 'text',
  connectionReuse: 'bool',
};

const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const FIELD_OPTIONS: Record<string, { type: 'string' }> = Object.fromEntries(Object.keys(FIELDS).map((f) => [kebab(f), { type: 'string' as const }]));

type OptionValues = Record<string, string | boolean | undefined>;
const enc = encodeURIComponent;

function fieldValue(field: string, kind: Kind, raw: string, forSet: boolean): unknown {
  const opt = `--${kebab(field)}`;
  if (raw === '' && forSet) return null; // `set --comment ''` clears the field
  switch (kind) {
    case 'list':
      return raw
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean);
    case 'bool':
      if (/^(true|yes|1|on)$/i.test(raw)) return true;
      if (/^(false|no|0|off)$/i.test(raw)) return false;
      throw new UsageError(`${opt} takes true or false, not ${JSON.stringify(raw)}`);
    case 'int':
      if (!/^\d+$/.test(raw)) throw new UsageError(`${opt} ${JSON.stringify(raw)} is not a number`);
      return Number(raw);
    case 'size': {
      const bytes = parseSize(raw);
      if (bytes === null) throw new UsageError(`${opt} ${JSON.stringify(raw)} is not a size (bytes, or with K, M, G)`);
      return bytes;
    }
    default:
      return raw;
  }
}

/** The connector fields given as options; `--auth-password -` asks for the password (prompt or stdin) instead. */
function fieldsFrom(opts: OptionValues, forSet: boolean): { body: Record<string, unknown>; askPassword: boolean } {
  const body: Record<string, unknown> = {};
  let askPassword = false;
  for (const [field, kind] of Object.entries(FIELDS)) {
    const raw = opts[kebab(field)];
    if (typeof raw !== 'string') continue;
    if (field === 'authPassword' && raw === '-') askPassword = true;
    else body[field] = fieldValue(field, kind, raw, forSet);
  }
  return { body, askPassword };
}

interface ConnectorView {
  name: string;
  direction: string;
  type?: string;
  enabled: boolean;
  senderDomains?: string[];
  senderIpAddresses?: string[];
  recipientDomains?: string[];
  smartHosts?: string[];
  useMxRecord?: boolean;
  tlsSettings?: string;
  requireTls?: boolean;
  comment?: string;
  [k: string]: unknown;
}

const list = (xs: string[] | undefined) => (xs?.length ? xs.map(clean).join(', ') : '-');

function describeConnector(c: ConnectorView): string {
  const lines = Object.entries(c)
    .filter(([k]) => k !== 'id')
    .map(([k, v]) => [k, Array.isArray(v) ? list(v as string[]) : clean(String(v))]);
  return table(['FIELD', 'VALUE'], lines);
}

/** where the connector sends or whom it accepts, in one cell */
function scope(c: ConnectorView): string {
  if (c.direction === 'outbound') return `${list(c.recipientDomains)} → ${c.useMxRecord ? 'MX' : list(c.smartHosts)} (${c.tlsSettings})`;
  const who = [c.senderDomains?.length ? list(c.senderDomains) : '', c.senderIpAddresses?.length ? list(c.senderIpAddresses) : ''].filter(Boolean).join(' from ');
  return `${who || '-'}${c.requireTls ? ' (TLS required)' : ''}`;
}

const DIRECTION = /^(inbound|outbound)$/;

export const CONNECTOR_COMMANDS: CommandSpec[] = [
  {
    words: ['connector', 'list'],
    usage: 'connector list [--direction inbound|outbound]',
    summary: 'list connectors',
    options: { direction: { type: 'string' } },
    args: { min: 0, max: 0 },
    plan: (_args, opts) => {
      if (typeof opts.direction === 'string' && !DIRECTION.test(opts.direction)) throw new UsageError('--direction is inbound or outbound');
      return {
        call: { method: 'GET', path: `/api/v1/connectors${typeof opts.direction === 'string' ? `?direction=${opts.direction}` : ''}` },
        render: (r) => {
          const { connectors } = r as { connectors: ConnectorView[] };
          if (!connectors.length) return 'no connectors\n';
          return table(
            ['NAME', 'DIRECTION', 'TYPE', 'ENABLED', 'SCOPE'],
            connectors.map((c) => [clean(c.name), c.direction, c.type ?? '-', c.enabled ? 'yes' : 'no', scope(c)]),
          );
        },
      };
    },
  },
  {
    words: ['connector', 'show'],
    usage: 'connector show <name>',
    summary: 'show every field of a connector',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([name]) => ({ call: { method: 'GET', path: `/api/v1/connectors/${enc(name)}` }, render: (r) => describeConnector(r as ConnectorView) }),
  },
  {
    words: ['connector', 'add'],
    usage:
      'connector add <name> --direction inbound --type partner|onPremises|filter|relay [--sender-domains d,*.d] [--sender-ip-addresses ip,cidr] [--require-tls true] ' +
      '[--tls-sender-certificate-name host] [--restrict-domains-to-ip-addresses true] [--restrict-domains-to-certificate true] [--skip-ip-addresses ips] [--skip-last-ip true] ' +
      '[--max-messages-per-minute n] | --direction outbound --recipient-domains d,*.d,* (--smart-hosts h[:port],... | --use-mx-record true) ' +
      '[--tls-settings opportunistic|encryptionOnly|certificateValidation|domainValidation] [--tls-domain d] [--auth-username u --auth-password -] [--connection-reuse false]; ' +
      'both: [--enabled false] [--comment text] [--max-message-size 150M]',
    summary: 'create a connector (field names as Exchange names them; --auth-password - prompts or reads stdin)',
    options: { direction: { type: 'string' }, ...FIELD_OPTIONS },
    args: { min: 1, max: 1 },
    plan: ([name], opts) => {
      if (typeof opts.direction !== 'string' || !DIRECTION.test(opts.direction)) throw new UsageError('--direction inbound or --direction outbound is needed');
      const { body, askPassword } = fieldsFrom(opts, false);
      return {
        call: { method: 'POST', path: '/api/v1/connectors', body: { name, direction: opts.direction, ...body } },
        ...(askPassword ? { needsPassword: true, passwordField: 'authPassword' } : {}),
        render: (r) => `connector ${clean((r as ConnectorView).name)} added\n`,
      };
    },
  },
  {
    words: ['connector', 'set'],
    usage: 'connector set <name> [--<field> value ...] [--name new-name]   (the options of "connector add"; an empty value clears a field)',
    summary: 'change fields of a connector',
    options: { name: { type: 'string' }, ...FIELD_OPTIONS },
    args: { min: 1, max: 1 },
    plan: ([name], opts) => {
      const { body, askPassword } = fieldsFrom(opts, true);
      if (typeof opts.name === 'string') body.name = opts.name;
      if (!Object.keys(body).length && !askPassword) throw new UsageError('nothing to change: give at least one --<field> value');
      return {
        call: { method: 'PATCH', path: `/api/v1/connectors/${enc(name)}`, body },
        ...(askPassword ? { needsPassword: true, passwordField: 'authPassword' } : {}),
        render: (r) => `connector ${clean((r as ConnectorView).name)} changed\n`,
      };
    },
  },
  {
    words: ['connector', 'remove'],
    usage: 'connector remove <name>',
    summary: 'delete a connector',
    options: {},
    args: { min: 1, max: 1 },
    plan: ([name]) => ({ call: { method: 'DELETE', path: `/api/v1/connectors/${enc(name)}` }, render: () => `connector ${clean(name)} removed\n` }),
  },
  {
    words: ['connector', 'test'],
    usage: 'connector test <name> [--to address]',
    summary: 'validate an outbound connector: EHLO/STARTTLS to its smart hosts (or the MX of --to), show the certificate, TLS version and whether its TLS setting is met; sends nothing',
    options: { to: { type: 'string' } },
    args: { min: 1, max: 1 },
    plan: ([name], opts) => ({
      call: { method: 'POST', path: `/api/v1/connectors/${enc(name)}/test`, body: typeof opts.to === 'string' ? { to: opts.to } : {} },
      render: (r) => {
        const t = r as {
          connector: string;
          tlsSettings: string;
          met: boolean;
          hosts: Array<{ host: string; port: number; connected: boolean; settingsMet: boolean; detail: string; tls?: { version: string; cipher: string }; certificate?: { subject: string; issuer: string; validTo: string; trusted: boolean } }>;
        };
        const rows = t.hosts.map((h) => [
          `${clean(h.host)}:${h.port}`,
          h.connected ? (h.tls ? `${h.tls.version}` : 'plaintext') : 'no connection',
          h.certificate ? `${clean(h.certificate.subject)} (issuer ${clean(h.certificate.issuer)}, until ${clean(h.certificate.validTo)}, ${h.certificate.trusted ? 'trusted' : 'untrusted'})` : '-',
          h.settingsMet ? 'yes' : 'NO',
          clean(h.detail),
        ]);
        return `${table(['HOST', 'TLS', 'CERTIFICATE', 'MET', 'DETAIL'], rows)}connector ${clean(t.connector)} (tlsSettings ${t.tlsSettings}): ${t.met ? 'settings met' : 'settings NOT met'}\n`;
      },
    }),
  },
  {
    words: ['connector', 'status'],
    usage: 'connector status [<name>]',
    summary: 'per connector: accepted, refused, relayed, deferred and failed in the last hour and day (1h/24h), the latest success and the latest failure with its reason (from the message trace)',
    options: {},
    args: { min: 0, max: 1 },
    plan: ([name]) => ({
      call: { method: 'GET', path: `/api/v1/connectors/status${name ? `?name=${enc(name)}` : ''}` },
      render: (r) => renderStatus(r as StatusView),
    }),
  },
  {
    words: ['connector', 'export'],
    usage: 'connector export > connectors.yaml',
    summary: 'write every connector as YAML (passwords sealed, never in clear)',
    options: {},
    args: { min: 0, max: 0 },
    plan: () => ({ call: { method: 'GET', path: '/api/v1/connectors/export' }, render: (r) => (r as { yaml: string }).yaml }),
  },
  {
    words: ['connector', 'import'],
    usage: 'connector import <file|-> [--dry-run]',
    summary: 'create or update connectors from a YAML file: all checked first (errors with line numbers, nothing applied), the changes shown',
    options: { 'dry-run': { type: 'boolean' } },
    args: { min: 1, max: 1 },
    plan: ([file], opts) => {
      const dryRun = opts['dry-run'] === true;
      const plan: Plan = {
        call: { method: 'POST', path: '/api/v1/connectors/import', body: { dryRun } },
        prepare: async () => {
          let yaml: string;
          try {
            yaml = file === '-' ? await readStdin() : await readFile(file, 'utf8');
          } catch (err) {
            throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
          }
          plan.call.body = { ...plan.call.body, yaml };
        },
        render: (r) => {
          const { changes, applied } = r as { changes: Array<{ name: string; action: string; fields?: string[] }>; applied: boolean };
          const rows = changes.map((c) => [clean(c.name), c.action, c.fields?.join(', ') ?? '']);
          const verdict = dryRun ? 'dry run: nothing applied' : applied ? 'applied' : 'nothing to change';
          return `${changes.length ? table(['CONNECTOR', 'CHANGE', 'FIELDS'], rows) : 'the file has no connectors\n'}${verdict}\n`;
        },
      };
      return plan;
    },
  },
];

type Counts = Record<'accepted' | 'refused' | 'relayed' | 'deferred' | 'failed', number>;
type Step = { at: string; event: string; recipient: string | null; detail: string | null } | null;
interface StatusView {
  at: string;
  connectors: Array<{ name: string; direction: string | null; enabled: boolean | null; configured: boolean; lastHour: Counts; lastDay: Counts; lastSuccess: Step; lastFailure: Step }>;
}

const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+(?=Z$)/, '');

function renderStatus(s: StatusView): string {
  if (!s.connectors.length) return 'no connectors\n';
  const pair = (c: StatusView['connectors'][number], k: keyof Counts) => `${c.lastHour[k]}/${c.lastDay[k]}`;
  const rows = s.connectors.map((c) => [
    clean(c.name),
    c.configured ? `${c.direction}${c.enabled ? '' : ' (disabled)'}` : '(not configured)',
    pair(c, 'accepted'),
    pair(c, 'refused'),
    pair(c, 'relayed'),
    pair(c, 'deferred'),
    pair(c, 'failed'),
    c.lastSuccess ? when(c.lastSuccess.at) : '-',
    c.lastFailure ? `${when(c.lastFailure.at)} ${c.lastFailure.event}${c.lastFailure.recipient ? ` ${clean(c.lastFailure.recipient)}` : ''}: ${clean(c.lastFailure.detail)}` : '-',
  ]);
  return `${table(['CONNECTOR', 'DIRECTION', 'ACCEPTED', 'REFUSED', 'RELAYED', 'DEFERRED', 'FAILED', 'LAST SUCCESS', 'LAST FAILURE'], rows)}counts: last hour/last 24 hours, as of ${when(s.at)}\n`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
