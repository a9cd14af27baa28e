import { SearchTrace, TraceStatus } from '@mail/contracts';
import { z } from 'zod';
import type { RouteDoc } from './openapi.js';

const pattern = (what: string) => `${what}; \`*\` matches any run of characters (\`*@contoso.com\`)`;

/** The message trace route of the OpenAPI document. */
export const TRACE_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/trace',
    operationId: 'searchTrace',
    summary: 'Message trace: messages and every step of them, newest first (give at least one of sender, recipient, messageId, clientIp)',
    tag: 'trace',
    params: [
      { name: 'sender', in: 'query', description: pattern('envelope sender'), schema: z.string() },
      { name: 'recipient', in: 'query', description: pattern('envelope recipient'), schema: z.string() },
      { name: 'messageId', in: 'query', description: pattern('Message-ID, with or without angle brackets'), schema: z.string() },
      { name: 'clientIp', in: 'query', description: pattern("the sending client's IP address"), schema: z.string() },
      { name: 'status', in: 'query', description: 'only messages in this state', schema: TraceStatus },
      { name: 'since', in: 'query', description: 'received at or after (ISO 8601)', schema: z.string() },
      { name: 'until', in: 'query', description: 'received at or before (ISO 8601)', schema: z.string() },
      { name: 'limit', in: 'query', description: 'at most this many messages (default 100)', schema: z.number().int().min(1).max(1000) },
    ],
    status: 200,
    response: SearchTrace.response,
    errors: [400, 503],
  },
];
