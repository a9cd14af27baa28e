import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@mail/bus';
import { FsBlobStore, type BlobStore } from '@mail/blob';
import { loadOrCreateTls } from '@mail/config';
import { ConnectorSnapshot, EnqueueMessage, ResolveRecipient, type RequestOf } from '@mail/contracts';
import type { SmtpInConfig } from './smtp-in.config.js';
import { SmtpInService, type SmtpPorts } from './smtp-in.service.js';

/**
 * smtp-in alone on loopback for protocol specs: every address at `example.com` is local, everything
 * else remote; enqueued messages are kept in `enqueued` and their blobs readable with `stored`.
 * Inbound verification is off unless the config turns it on (no DNS in these specs). The connector
 * service answers an empty set, unless `connectorsLater`: then nobody answers until
 * `answerConnectors()` (a replica started while the connector service is down). `blobs` wraps the
 * directory store (e.g. in the inline store, whose puts defer their flush); `bodyCovered` is what
 * delivery answers to an enqueue whose body is unflushed (ADR 0067; absent: a delivery that does not
 * check).
 */
export async function startSmtpInForTest(
  overrides: Partial<SmtpInConfig> = {},
  opts: { connectorsLater?: boolean; blobs?: (dir: BlobStore) => BlobStore; bodyCovered?: boolean } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'smtp-in-'));
  const tls = await loadOrCreateTls({ dataDir: dir, hostname: 'mx.test' });
  const bus = new InProcessBus({ service: 'smtp-in-test' });
  const account = { accountId: randomUUID(), address: 'alice@example.com' };
  const enqueued: Array<RequestOf<typeof EnqueueMessage>> = [];
  await bus.handle(ResolveRecipient, async ({ address }) =>
    address.split('@')[1]?.toLowerCase() === 'example.com' ? { kind: 'local' as const, deliverTo: [account], forwardTo: [] } : { kind: 'remote' as const },
  );
  await bus.handle(EnqueueMessage, async (p) => {
    enqueued.push(p);
    return { queueId: randomUUID(), ...(p.bodyUnflushed && opts.bodyCovered !== undefined ? { bodyCovered: opts.bodyCovered } : {}) };
  });
  const answerConnectors = () => bus.handle(ConnectorSnapshot, async () => ({ connectors: [], version: 'empty' }));
  if (!opts.connectorsLater) await answerConnectors();
  const blobsDir = join(dir, 'blobs');
  const service = new SmtpInService(
    {
      host: '127.0.0.1',
      mxPort: 0,
      submissionPort: 0,
      hostname: 'mx.test',
      tls,
      allowPlaintextAuth: false,
      maxMessageSize: 64 * 1024,
      maxRecipients: 10,
      maxConnections: 50,
      closeTimeoutMs: 200,
      inboundAuth: { enabled: false },
      ...overrides,
    },
    bus,
    opts.blobs ? opts.blobs(new FsBlobStore(blobsDir)) : new FsBlobStore(blobsDir),
  );
  const ports: SmtpPorts = await service.start();
  return {
    ports,
    enqueued,
    answerConnectors,
    stored: (blobKey: string) => readFile(join(blobsDir, blobKey)),
    async close() {
      await service.stop();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
