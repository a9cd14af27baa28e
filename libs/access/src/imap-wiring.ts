import type { BlobStore } from '@mail/blob';
import type { Bus } from '@mail/bus';
import type { SessionSlots } from '@mail/limits';
import type { Logger } from '@mail/telemetry';
import type { AccessConfig } from './access.config.js';
import { accessServerSettings } from './access-server.js';
import { BusAuth, BusChangeFeed, BusMailStore, BusSharing, DirectReadsMailStore } from './adapters/index.js';
import type { MailAppendModel, MailReadModel } from './ports/index.js';
import { ImapServer } from './imap/index.js';

export interface RunningImap {
  ports(): { port: number; tlsPort?: number };
  setTls(material: { key: string; cert: string }): void;
  stop(): Promise<void>;
}

/**
 * Starts the IMAP server on the bus adapters of the store, the directory and the change feed; with
 * the store's read model in this process (`reads`, ADR 0057) the store's reads are answered here,
 * and with its append (`appends`, ADR 0063) APPEND and MULTIAPPEND too.
 */
export async function startImap(c: AccessConfig, bus: Bus, blobs: BlobStore, logger: Logger, reads?: MailReadModel, appends?: MailAppendModel, sessionSlots?: SessionSlots): Promise<RunningImap> {
  const auth = new BusAuth(bus);
  const server = new ImapServer(
    {
      ...accessServerSettings(c, 'imap', logger),
      maxAppendSize: c.maxAppendSize,
      maxPerUser: c.limits?.imapMaxPerUser,
      sessionSlots,
      idleTimeoutMs: c.limits?.imapAutologoutMs,
      loginTimeoutMs: c.limits?.imapLoginTimeoutMs,
      sharing: new BusSharing(bus),
      messageCacheBytes: c.envelopeCacheBytes,
    },
    reads ? new DirectReadsMailStore(bus, reads, logger, appends) : new BusMailStore(bus),
    auth,
    new BusChangeFeed(bus),
    blobs,
  );
  await server.start();
  return {
    ports: () => server.ports,
    setTls: (m) => server.setTls(m),
    stop: async () => {
      await server.stop();
      await auth.stop();
    },
  };
}
