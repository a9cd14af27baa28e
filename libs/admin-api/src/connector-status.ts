import { Connector, ConnectorTraffic, ConnectorTrafficCounts } from '@mail/contracts';
import { z } from 'zod';

/** One row of `GET /api/v1/connectors/status`: the connector as configured and what the trace saw go through it. */
export const ConnectorStatusView = ConnectorTraffic.omit({ connector: true }).extend({
  name: z.string(),
  direction: z.enum(['inbound', 'outbound']).nullable(),
  type: z.string().nullable(),
  enabled: z.boolean().nullable(),
  /** false for a name only the trace knows: a removed connector, or RELAY_HOST's implicit one */
  configured: z.boolean(),
});
export const ConnectorStatusResponse = z.object({ at: z.string(), connectors: z.array(ConnectorStatusView) });
export type ConnectorStatusResponse = z.infer<typeof ConnectorStatusResponse>;

const zero: z.infer<typeof ConnectorTrafficCounts> = { accepted: 0, refused: 0, relayed: 0, deferred: 0, failed: 0 };

/** Every configured connector (with zeros when the trace saw nothing), then the names only the trace knows. */
export function connectorStatus(configured: z.infer<typeof Connector>[], traffic: { at: string; connectors: ConnectorTraffic[] }): ConnectorStatusResponse {
  const seen = new Map(traffic.connectors.map((t) => [t.connector.toLowerCase(), t]));
  const rows: z.infer<typeof ConnectorStatusView>[] = configured.map((c) => {
    const t = seen.get(c.name.toLowerCase());
    seen.delete(c.name.toLowerCase());
    return {
      name: c.name,
      direction: c.direction,
      type: c.type ?? null,
      enabled: c.enabled,
      configured: true,
      lastHour: t?.lastHour ?? zero,
      lastDay: t?.lastDay ?? zero,
      lastSuccess: t?.lastSuccess ?? null,
      lastFailure: t?.lastFailure ?? null,
    };
  });
  for (const t of seen.values()) {
    rows.push({ name: t.connector, direction: null, type: null, enabled: null, configured: false, lastHour: t.lastHour, lastDay: t.lastDay, lastSuccess: t.lastSuccess, lastFailure: t.lastFailure });
  }
  return { at: traffic.at, connectors: rows };
}
