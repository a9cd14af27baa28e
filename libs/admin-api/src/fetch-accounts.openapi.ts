import { AddFetchAccount, EnableFetchAccount, ListFetchAccounts, RemoveFetchAccount, RunFetchAccount, ShowFetchAccount } from '@mail/contracts';
import { z } from 'zod';
import type { RouteDoc } from './openapi.js';

const Id = { name: 'id', in: 'path' as const, description: 'external account id', schema: z.string(), required: true };

/** The external-account routes of the OpenAPI document (FetchAccountsController). */
export const FETCH_ACCOUNT_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/fetch-accounts',
    operationId: 'listFetchAccounts',
    summary: 'List external accounts (mail fetched from other servers into a user\'s INBOX), with their schedule and last error',
    tag: 'fetch-accounts',
    params: [{ name: 'user', in: 'query', description: 'only this user\'s accounts', schema: z.string() }],
    status: 200,
    response: ListFetchAccounts.response,
    errors: [400],
  },
  {
    method: 'post',
    path: '/api/v1/fetch-accounts',
    operationId: 'addFetchAccount',
    summary: 'Add an external IMAP or POP3 account for a user. tls none needs insecure or a loopback host. The password is sealed and never returned',
    tag: 'fetch-accounts',
    body: AddFetchAccount.request,
    status: 201,
    response: AddFetchAccount.response,
    errors: [400, 404, 503],
  },
  {
    method: 'get',
    path: '/api/v1/fetch-accounts/{id}',
    operationId: 'showFetchAccount',
    summary: 'An external account with its folders (UIDVALIDITY, highest UID, messages delivered) and recent errors',
    tag: 'fetch-accounts',
    params: [Id],
    status: 200,
    response: ShowFetchAccount.response,
    errors: [400, 404],
  },
  { method: 'delete', path: '/api/v1/fetch-accounts/{id}', operationId: 'removeFetchAccount', summary: 'Remove an external account (mail already fetched stays)', tag: 'fetch-accounts', params: [Id], status: 200, response: RemoveFetchAccount.response, errors: [400, 404] },
  {
    method: 'post',
    path: '/api/v1/fetch-accounts/{id}/run',
    operationId: 'runFetchAccount',
    summary: 'Run an external account now and wait for the outcome (ran: false when another run holds it)',
    tag: 'fetch-accounts',
    params: [Id],
    status: 200,
    response: RunFetchAccount.response,
    errors: [400, 404, 409],
  },
  {
    method: 'post',
    path: '/api/v1/fetch-accounts/{id}/enable',
    operationId: 'enableFetchAccount',
    summary: 'Enable an account again (e.g. after repeated authentication failures disabled it), optionally with a new password',
    tag: 'fetch-accounts',
    params: [Id],
    body: EnableFetchAccount.request.omit({ id: true }),
    status: 200,
    response: EnableFetchAccount.response,
    errors: [400, 404, 503],
  },
];
