/** One message row as the writer records it (see migrations/001-trace.ts). */
export interface TraceMessageRow {
  traceKey: string;
  queueId: string | null;
  messageId: string | null;
  sender: string;
  clientIp: string | null;
  receivedAt: string;
  traceId: string | null;
  connector: string | null;
}

/** One step as the writer records it. */
export interface TraceEventRow {
  traceKey: string;
  at: string;
  event: string;
  recipient: string | null;
  detail: string | null;
  connector: string | null;
  service: string;
}
