import { CreateDkimKey, DeleteDkimKey, DkimAlgorithm, DomainName, GetDomainDnsRecords, ListDkimKeys, RotateDkimKeys } from '@mail/contracts';
import { z } from 'zod';
import type { RouteDoc } from './openapi.js';

const DomainParam = { name: 'domain', in: 'path' as const, description: 'hosted domain', schema: DomainName, required: true };

/** The OpenAPI description of DkimController's routes. */
export const DKIM_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/dkim',
    operationId: 'listDkimKeys',
    summary: 'List DKIM signing keys (public halves and TXT records; private keys never leave the directory unsealed)',
    tag: 'dkim',
    params: [{ name: 'domain', in: 'query', description: 'only this domain', schema: z.string() }],
    status: 200,
    response: ListDkimKeys.response,
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/api/v1/dkim',
    operationId: 'createDkimKey',
    summary: 'Generate a DKIM key for a domain (rsa-2048 or ed25519) and answer the TXT record to publish',
    tag: 'dkim',
    body: CreateDkimKey.request,
    status: 201,
    response: CreateDkimKey.response,
    errors: [400, 404, 409, 503],
  },
  {
    method: 'post',
    path: '/api/v1/dkim/{domain}/rotate',
    operationId: 'rotateDkimKeys',
    summary: 'New keys (new selectors) for the domain; the old ones retire and stop signing',
    tag: 'dkim',
    params: [DomainParam],
    body: z.object({ algorithm: DkimAlgorithm.optional() }),
    status: 200,
    response: RotateDkimKeys.response,
    errors: [400, 404, 503],
  },
  {
    method: 'delete',
    path: '/api/v1/dkim/{domain}/{selector}',
    operationId: 'deleteDkimKey',
    summary: 'Delete a DKIM key',
    tag: 'dkim',
    params: [DomainParam, { name: 'selector', in: 'path', description: 'the key selector', schema: z.string(), required: true }],
    status: 200,
    response: DeleteDkimKey.response,
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/api/v1/domains/{name}/dns',
    operationId: 'getDomainDnsRecords',
    summary: 'The DNS records to publish for a domain: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, and the MTA-STS policy file',
    tag: 'domains',
    params: [{ name: 'name', in: 'path', description: 'domain name', schema: z.string(), required: true }],
    status: 200,
    response: GetDomainDnsRecords.response,
    errors: [400, 404],
  },
];
