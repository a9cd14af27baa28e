import type { Readable } from 'node:stream';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Bus, Subscription } from '@mail/bus';
import { ContractError, DEFAULT_MAX_MESSAGE_SIZE, TestConnector, type ConnectorRecord } from '@mail/contracts';
import { probeConnector, type ProbeOptions } from './smart-host-probe.js';
import { selectOutbound, type ConnectorSet } from '@mail/connector-rules';
import type { OutboundOutcome } from '../outbound-smtp.js';
import type { SmartHostSender } from './smart-host-sender.js';
import type { TransferOptions } from '../smtp-transfer.js';

export interface MxSender {
  send(domain: string, mailFrom: string, recipients: string[], body: () => Promise<Readable>, size: number, opts?: TransferOptions): Promise<OutboundOutcome[]>;
  /** drops idle pooled connections (shutdown) */
  closeIdle?(): void;
}

/** how long a send waits for the first connector snapshot before deferring (a replica that just started) */
const LOAD_WAIT_MS = 10_000;

/**
 * Where remote mail for a domain goes: the outbound connector with the most specific
 * recipientDomains match, else RELAY_HOST as an implicit `*` connector (opportunistic TLS, no
 * AUTH), else the domain's MX as without connectors. Mail is deferred rather than sent by MX while
 * the connectors are not known yet: a connector may require TLS that MX delivery would not.
 */
@Injectable()
export class OutboundRouter implements MxSender, OnModuleInit, OnModuleDestroy {
  private readonly implicitRelay?: ConnectorRecord;
  private testSubscription?: Subscription;

  constructor(
    private readonly connectors: ConnectorSet,
    private readonly smartHosts: SmartHostSender,
    private readonly mx: MxSender,
    relayHost?: string,
    /** answers `mailctl connector test` (delivery.connector.test.v1) when given */
    private readonly bus?: Bus,
    private readonly probe?: ProbeOptions,
  ) {
    if (relayHost) this.implicitRelay = implicitRelayConnector(relayHost);
    connectors.onChange(() => smartHosts.closeIdle());
  }

  async onModuleInit(): Promise<void> {
    await this.connectors.start();
    if (this.bus && this.probe) {
      const probe = this.probe;
      this.testSubscription = await this.bus.handle(TestConnector, async (p) => {
        const c = this.connectors.all().find((x) => x.name.toLowerCase() === p.name.toLowerCase());
        if (!c) throw new ContractError('NOT_FOUND', `no connector ${p.name}`);
        if (c.direction !== 'outbound') throw new ContractError('INVALID', `connector ${c.name} is inbound: only outbound connectors can be tested`);
        return probeConnector(c, p.to, probe);
      });
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.testSubscription?.unsubscribe();
    await this.connectors.stop();
    this.smartHosts.closeIdle();
    this.mx.closeIdle?.();
  }

  async send(domain: string, mailFrom: string, recipients: string[], body: () => Promise<Readable>, size: number, opts: TransferOptions = {}): Promise<OutboundOutcome[]> {
    if (!(await this.connectors.whenLoaded(LOAD_WAIT_MS))) {
      return recipients.map((address) => ({ address, result: 'transient' as const, detail: '4.4.3 outbound connectors not loaded yet (connector service unavailable)' }));
    }
    const connector = selectOutbound(this.connectors.outbound(), domain)?.record ?? this.implicitRelay;
    if (connector) return this.smartHosts.send(connector, domain, mailFrom, recipients, body, size, opts);
    return this.mx.send(domain, mailFrom, recipients, body, size, opts);
  }
}

/** RELAY_HOST as the connector it always was: every remote domain, opportunistic TLS, no AUTH */
export function implicitRelayConnector(relayHost: string): ConnectorRecord {
  const epoch = new Date(0).toISOString();
  return {
    id: '00000000-0000-4000-8000-000000000000',
    name: 'RELAY_HOST',
    direction: 'outbound',
    enabled: true,
    maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
    recipientDomains: ['*'],
    smartHosts: [relayHost],
    useMxRecord: false,
    tlsSettings: 'opportunistic',
    connectionReuse: true,
    createdAt: epoch,
    updatedAt: epoch,
  };
}
