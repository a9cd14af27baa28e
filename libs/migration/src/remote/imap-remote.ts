import type { ImapFlow } from 'imapflow';
import type { Logger } from '@mail/telemetry';
import type { RemoteEndpoint } from './remote-endpoint.js';
import { classifyRemoteError } from './remote-error.js';
import { remoteTlsOptions, type RemoteTlsSettings } from './remote-tls.js';

export interface RemoteCredentials {
  username: string;
  password: string;
}

export interface RemoteSessionSettings extends RemoteTlsSettings {
  /** silence from the server (connect, greeting, any answer) longer than this fails the session */
  timeoutMs: number;
  /** largest message taken; a bigger literal ends the session (imapflow's own guard) */
  maxMessageBytes: number;
  logger?: Logger;
}

/**
 * An authenticated imapflow session to a remote IMAP server (fetch and migration batches share
 * it). `implicit` opens TLS at once, `starttls` requires the upgrade (a server that does not offer
 * it fails rather than carrying the password in clear), `none` never upgrades. Errors come out
 * as RemoteError with their kind.
 */
export async function openImapSession(endpoint: RemoteEndpoint, credentials: RemoteCredentials, settings: RemoteSessionSettings): Promise<ImapFlow> {
  // loaded at the first session, not with the process: ~70 modules, ~0.4 s of CPU and ~5 MiB of heap
  // that an embedded start without fetch accounts or migrations never uses (ADR 0077)
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.tls === 'implicit',
    doSTARTTLS: endpoint.tls === 'starttls' ? true : endpoint.tls === 'none' ? false : undefined,
    tls: remoteTlsOptions(endpoint.host, settings),
    auth: { user: credentials.username, pass: credentials.password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    maxLiteralSize: settings.maxMessageBytes,
    maxResponseSize: settings.maxMessageBytes + 1024 * 1024,
    maxLineLength: 16 * 1024 * 1024,
    clientInfo: { name: 'mail-platform migration' },
  });
  // a socket error after connect() surfaces on the next command; without a listener it would crash the process
  client.on('error', (err: unknown) => settings.logger?.debug({ err: String((err as Error)?.message ?? err), host: endpoint.host }, 'remote IMAP session error'));
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw classifyRemoteError(err);
  }
  return client;
}

/** openImapSession bound to these settings, for IMAP endpoints: how migration batches (libs/migration-batch) open theirs. */
export function imapSessionOpener(settings: RemoteSessionSettings) {
  return (endpoint: Omit<RemoteEndpoint, 'protocol'>, credentials: RemoteCredentials): Promise<ImapFlow> => openImapSession({ ...endpoint, protocol: 'imap' }, credentials, settings);
}

/** Closes a session politely if it still can, at once if not; never throws. */
export async function closeImapSession(client: ImapFlow): Promise<void> {
  if (client.usable) await client.logout().catch(() => undefined);
  client.close();
}
