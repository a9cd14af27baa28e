import type { FetchAccount, FetchErrorKind, FetchProtocol, RemoteTls } from '@mail/contracts';

/** An external account as stored, with its sealed password (never leaves the migration service). */
export interface FetchAccountRecord {
  id: string;
  user: string;
  protocol: FetchProtocol;
  host: string;
  port: number;
  tls: RemoteTls;
  insecure: boolean;
  username: string;
  sealedPassword: string;
  folders: string[];
  intervalSeconds: number;
  leaveOnServer: boolean;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: Date;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: { at: Date; kind: FetchErrorKind; message: string } | null;
  consecutiveFailures: number;
  authFailures: number;
  messagesFetched: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The API's view: everything but the password. */
export function toFetchAccount(r: FetchAccountRecord): FetchAccount {
  return {
    id: r.id,
    user: r.user,
    protocol: r.protocol,
    host: r.host,
    port: r.port,
    tls: r.tls,
    insecure: r.insecure,
    username: r.username,
    folders: r.folders,
    intervalSeconds: r.intervalSeconds,
    leaveOnServer: r.leaveOnServer,
    enabled: r.enabled,
    disabledReason: r.disabledReason,
    createdAt: r.createdAt.toISOString(),
    lastRunAt: iso(r.lastRunAt),
    lastSuccessAt: iso(r.lastSuccessAt),
    nextRunAt: r.enabled ? iso(r.nextRunAt) : null,
    lastError: r.lastError ? { at: r.lastError.at.toISOString(), kind: r.lastError.kind, message: r.lastError.message } : null,
    consecutiveFailures: r.consecutiveFailures,
    messagesFetched: r.messagesFetched,
  };
}
