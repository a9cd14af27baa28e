import { Inject, Injectable, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { BlobStore, CachingBlobStore } from '@mail/blob';
import { Bus, LeaseStore } from '@mail/bus';
import { SessionSlots } from '@mail/limits';
import { watchTlsFiles } from '@mail/config';
import { createLogger, servedCertificateRenewed } from '@mail/telemetry';
import { ACCESS_CONFIG, type AccessConfig } from './access.config.js';
import { accessServerSettings } from './access-server.js';
import { MAIL_APPEND_MODEL, MAIL_READ_MODEL, type MailAppendModel, type MailReadModel } from './ports/mail-read-model.port.js';
import { BusPop3Backend } from './pop3/bus-pop3-backend.js';
import { Pop3Server } from './pop3/pop3-server.js';
import { startImap, type RunningImap } from './imap-wiring.js';

/**
 * The access service's listeners: IMAP and POP3 on top of the bus (auth, store, change events) and
 * the blob store (bodies). They start once every module is initialised and drain on shutdown.
 */
@Injectable()
export class AccessService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = createLogger('access');
  private pop3?: Pop3Server;
  private imap?: RunningImap;
  private tlsWatch?: { stop(): void };
  /** the blob store, behind the body cache when one is configured */
  private readonly blobs: BlobStore;

  constructor(
    @Inject(ACCESS_CONFIG) private readonly config: AccessConfig,
    private readonly bus: Bus,
    blobs: BlobStore,
    private readonly leases: LeaseStore,
    @Optional() @Inject(MAIL_READ_MODEL) private readonly reads?: MailReadModel,
    @Optional() @Inject(MAIL_APPEND_MODEL) private readonly appends?: MailAppendModel,
    @Optional() private readonly sessionSlots?: SessionSlots,
  ) {
    const cache = config.bodyCacheBytes ?? 0;
    // bodies up to 1 MiB (nearly all mail); larger ones stream through untouched
    this.blobs = cache > 0 ? new CachingBlobStore(blobs, { maxBytes: cache, maxEntryBytes: Math.min(cache, 1024 * 1024) }) : blobs;
  }

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config;
    // appends run here only beside the reads (the composition provides them together, ADR 0063)
    const appends = this.reads ? this.appends : undefined;
    this.logger.info({ storeReads: this.reads ? 'direct' : 'bus', storeAppends: appends ? 'direct' : 'bus' }, 'IMAP store reads');
    this.imap = await startImap(c, this.bus, this.blobs, this.logger, this.reads, appends, this.sessionSlots);
    this.pop3 = new Pop3Server(
      { ...accessServerSettings(c, 'pop3', this.logger), idleTimeoutMs: c.limits?.pop3AutologoutMs },
      new BusPop3Backend(this.bus),
      this.blobs,
      this.leases,
    );
    await this.pop3.start();
    if (c.tlsFiles) {
      this.tlsWatch = watchTlsFiles(
        c.tlsFiles,
        (material) => {
          this.imap?.setTls(material);
          this.pop3?.setTls(material);
          servedCertificateRenewed(material.cert);
          this.logger.info({ certFile: c.tlsFiles?.certFile }, 'TLS certificate reloaded');
        },
        (err) => this.logger.warn({ err: err.message }, 'TLS certificate not reloaded'),
      );
    }
  }

  ports(): { imap: number; imaps?: number; pop3: number; pop3s?: number } {
    const pop3 = this.pop3?.ports;
    const imap = this.imap?.ports();
    return { imap: imap?.port ?? 0, imaps: imap?.tlsPort, pop3: pop3?.port ?? 0, pop3s: pop3?.tlsPort };
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.tlsWatch?.stop();
    await Promise.allSettled([this.pop3?.stop(), this.imap?.stop()]);
  }
}
