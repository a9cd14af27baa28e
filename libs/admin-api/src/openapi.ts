import {
  CreateAccount,
  CreateAlias,
  CreateDomain,
  DeleteAccount,
  DeleteAlias,
  DeleteDomain,
  ListAliases,
  ListDomains,
  ListQueue,
  QueueEntryStatus,
  SetPassword,
} from '@mail/contracts';
import { z } from 'zod';
import { CONNECTOR_ROUTES } from './connectors.routes.js';
import { GROUP_ROUTES } from './groups.openapi.js';
import { DKIM_ROUTES } from './dkim.routes.js';
import { QUEUE_ADMIN_ROUTES } from './queue-admin.routes.js';
import { DOMAIN_POLICY_ROUTES } from './domain-policy.controller.js';
import { TRACE_ROUTES } from './trace.openapi.js';
import { ACCOUNT_QUOTA_ROUTES } from './account-quota.controller.js';
import { SHARE_ROUTES } from './shares.controller.js';
import { SHARED_WITH_ROUTES } from './shared-with.controller.js';
import { FETCH_ACCOUNT_ROUTES } from './fetch-accounts.openapi.js';
import { MIGRATION_ROUTES } from './migrations.openapi.js';
import { AccountWithUsage } from './account-usage.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface Param {
  name: string;
  in: 'path' | 'query';
  description: string;
  schema: z.ZodType;
  required?: boolean;
}
export interface RouteDoc {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: Param[];
  body?: z.ZodType;
  status: number;
  response: z.ZodType;
  errors: number[];
}

const Address: Param = { name: 'address', in: 'path', description: 'email address, URL-encoded (@ as %40 is fine)', schema: z.string(), required: true };
const DomainFilter: Param = { name: 'domain', in: 'query', description: 'only this domain', schema: z.string() };

/**
 * Every route of the API, described from the same zod schemas the bus validates with, so the
 * document can't drift from what the services accept and answer.
 */
export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/api/v1/domains', operationId: 'listDomains', summary: 'List hosted domains', tag: 'domains', status: 200, response: ListDomains.response, errors: [] },
  {
    method: 'post',
    path: '/api/v1/domains',
    operationId: 'createDomain',
    summary: 'Host a new domain',
    tag: 'domains',
    body: CreateDomain.request,
    status: 201,
    response: CreateDomain.response,
    errors: [400, 409],
  },
  {
    method: 'delete',
    path: '/api/v1/domains/{name}',
    operationId: 'deleteDomain',
    summary: 'Stop hosting a domain (refused with 409 while it has accounts; its aliases go with it)',
    tag: 'domains',
    params: [{ name: 'name', in: 'path', description: 'domain name', schema: z.string(), required: true }],
    status: 200,
    response: DeleteDomain.response,
    errors: [400, 404, 409],
  },
  ...DOMAIN_POLICY_ROUTES,
  {
    method: 'get',
    path: '/api/v1/accounts',
    operationId: 'listAccounts',
    summary: 'List accounts',
    tag: 'accounts',
    params: [DomainFilter],
    status: 200,
    response: z.object({ accounts: z.array(AccountWithUsage) }),
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/api/v1/accounts',
    operationId: 'createAccount',
    summary: 'Create an account (its domain must be hosted)',
    tag: 'accounts',
    body: CreateAccount.request,
    status: 201,
    response: CreateAccount.response,
    errors: [400, 404, 409],
  },
  { method: 'get', path: '/api/v1/accounts/{address}', operationId: 'getAccount', summary: 'Show one account', tag: 'accounts', params: [Address], status: 200, response: AccountWithUsage, errors: [400, 404] },
  {
    method: 'delete',
    path: '/api/v1/accounts/{address}',
    operationId: 'deleteAccount',
    summary: 'Delete an account and all its mail',
    tag: 'accounts',
    params: [Address],
    status: 200,
    response: DeleteAccount.response.extend({ messagesPurged: z.number().int() }),
    errors: [400, 404, 503],
  },
  {
    method: 'put',
    path: '/api/v1/accounts/{address}/password',
    operationId: 'setPassword',
    summary: "Set an account's password",
    tag: 'accounts',
    params: [Address],
    body: SetPassword.request.pick({ password: true }),
    status: 200,
    response: SetPassword.response,
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/api/v1/aliases',
    operationId: 'listAliases',
    summary: 'List aliases',
    tag: 'aliases',
    params: [DomainFilter],
    status: 200,
    response: ListAliases.response,
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/api/v1/aliases',
    operationId: 'createAlias',
    summary: 'Create an alias (targets may be local accounts, other aliases or remote addresses)',
    tag: 'aliases',
    body: CreateAlias.request,
    status: 201,
    response: CreateAlias.response,
    errors: [400, 404, 409],
  },
  {
    method: 'delete',
    path: '/api/v1/aliases/{address}',
    operationId: 'deleteAlias',
    summary: 'Delete an alias',
    tag: 'aliases',
    params: [Address],
    status: 200,
    response: DeleteAlias.response,
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/api/v1/queue',
    operationId: 'listQueue',
    summary: 'List entries of the delivery queue',
    tag: 'queue',
    params: [
      { name: 'status', in: 'query', description: 'only entries with a recipient in this state', schema: QueueEntryStatus },
      { name: 'limit', in: 'query', description: 'at most this many entries (default 100)', schema: z.number().int().min(1).max(1000) },
      { name: 'domain', in: 'query', description: 'only messages with a recipient in this domain', schema: z.string() },
      { name: 'sender', in: 'query', description: "only messages from this envelope sender ('' for bounces)", schema: z.string() },
    ],
    status: 200,
    response: ListQueue.response,
    errors: [400, 503],
  },
  ...CONNECTOR_ROUTES,
  ...GROUP_ROUTES,
  ...DKIM_ROUTES,
  ...QUEUE_ADMIN_ROUTES,
  ...TRACE_ROUTES,
  ...ACCOUNT_QUOTA_ROUTES,
  ...SHARE_ROUTES,
  ...SHARED_WITH_ROUTES,
  ...FETCH_ACCOUNT_ROUTES,
  ...MIGRATION_ROUTES,
];

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request',
  401: 'missing or wrong bearer token',
  404: 'not found',
  409: 'conflicts with existing data',
  500: 'internal error',
  503: 'a service behind the API is unavailable; retry later',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const errorRef = { $ref: '#/components/responses/Error' };

/** The OpenAPI 3.1 document of the admin API (3.1 takes JSON Schema 2020-12 as zod emits it). */
export function buildOpenApiDocument(opts: { version?: string; serverUrl?: string } = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const responses: Record<string, unknown> = {
      [String(r.status)]: { description: 'success', content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } },
      '401': errorRef,
      '500': errorRef,
    };
    for (const code of r.errors) responses[String(code)] = { description: ERROR_TEXT[code], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    (paths[r.path] ??= {})[r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      parameters: (r.params ?? []).map((p) => ({ name: p.name, in: p.in, description: p.description, required: p.required ?? false, schema: jsonSchema(p.schema, 'input') })),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mail platform admin API',
      version: opts.version ?? '1.0.0',
      description: 'Domains, accounts, aliases, groups, the delivery queue and message trace. Every /api/v1 route needs `Authorization: Bearer <token>`.',
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    tags: [...new Set(ROUTES.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, or the token in $DATA_DIR/admin.token' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', examples: ['INVALID', 'UNAUTHORIZED', 'NOT_FOUND', 'CONFLICT', 'UNAVAILABLE'] },
                message: { type: 'string' },
              },
            },
          },
        },
      },
      responses: {
        Error: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  };
}
