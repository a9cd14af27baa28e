import type { Migration } from '@mail/db';

/**
 * `mailctl connector status` (GetConnectorTraffic) asks the steps of each connector for the last
 * day and for its latest success and failure. Most steps carry no connector, so a partial index
 * costs only the connector traffic's inserts and keeps the question off a scan of the whole day.
 */
export const m002EventsByConnector: Migration = {
  id: '002-ops-events-by-connector',
  sql: `CREATE INDEX events_connector ON trace.events (connector, at) WHERE connector IS NOT NULL;`,
};
