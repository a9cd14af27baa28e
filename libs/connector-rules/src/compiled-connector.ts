import type { ConnectorRecord } from '@mail/contracts';
import { IpSet } from './ip-set.js';

/** An inbound connector with its address lists made into sets once, when the snapshot arrives. */
export interface InboundConnector {
  record: ConnectorRecord;
  name: string;
  type: 'partner' | 'onPremises' | 'filter' | 'relay';
  ips: IpSet;
  skipIps: IpSet;
}

export interface OutboundConnector {
  record: ConnectorRecord;
  name: string;
}

export function compileInbound(record: ConnectorRecord): InboundConnector {
  return {
    record,
    name: record.name,
    type: record.type ?? 'partner',
    ips: new IpSet(record.senderIpAddresses ?? []),
    skipIps: new IpSet(record.skipIpAddresses ?? []),
  };
}
