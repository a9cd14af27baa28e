import { AddBatchUsers, ChangeBatch, CreateBatch, DeleteBatch, GetBatch, ListBatches } from '@mail/contracts';
import { z } from 'zod';
import { CreateMigrationBody } from './migrations.controller.js';
import type { RouteDoc } from './openapi.js';

const Name = { name: 'name', in: 'path' as const, description: 'batch name', schema: z.string(), required: true };
const action = (a: string, summary: string): RouteDoc => ({
  method: 'post',
  path: `/api/v1/migrations/{name}/${a}`,
  operationId: `${a}Migration`,
  summary,
  tag: 'migrations',
  params: [Name],
  status: 200,
  response: ChangeBatch.response,
  errors: [400, 404, 503],
});

/** The migration-batch routes of the OpenAPI document (MigrationsController). */
export const MIGRATION_ROUTES: RouteDoc[] = [
  { method: 'get', path: '/api/v1/migrations', operationId: 'listMigrations', summary: 'List migration batches with their totals', tag: 'migrations', status: 200, response: ListBatches.response, errors: [] },
  {
    method: 'post',
    path: '/api/v1/migrations',
    operationId: 'createMigration',
    summary: 'Create a migration batch from another IMAP server: users as a list, or as Exchange Online\'s CSV (EmailAddress,UserName,Password). Passwords are sealed and never returned',
    tag: 'migrations',
    body: CreateMigrationBody,
    status: 201,
    response: CreateBatch.response,
    errors: [400, 409, 503],
  },
  {
    method: 'post',
    path: '/api/v1/migrations/{name}/users',
    operationId: 'addMigrationUsers',
    summary: 'Add users to a batch that has not started (for lists larger than one request)',
    tag: 'migrations',
    params: [Name],
    body: AddBatchUsers.request.omit({ name: true }),
    status: 201,
    response: AddBatchUsers.response,
    errors: [400, 404, 409],
  },
  {
    method: 'get',
    path: '/api/v1/migrations/{name}',
    operationId: 'getMigration',
    summary: 'A batch with its users\' progress (folders, messages done/total, bytes, errors); with ?user= one user and its folders',
    tag: 'migrations',
    params: [
      Name,
      { name: 'user', in: 'query', description: 'one user (email address), with per-folder progress', schema: z.string() },
      { name: 'offset', in: 'query', description: 'users to skip (paging)', schema: z.number().int() },
      { name: 'limit', in: 'query', description: 'users per page (at most 1000)', schema: z.number().int() },
    ],
    status: 200,
    response: GetBatch.response,
    errors: [400, 404],
  },
  action('start', 'Start copying every user of the batch'),
  action('stop', 'Stop: workers stop after their current chunk; progress is kept'),
  action('resume', 'Resume stopped and failed users from where they stopped'),
  action('complete', 'A final incremental pass for every user (after the MX switched), then the batch is completed'),
  { method: 'delete', path: '/api/v1/migrations/{name}', operationId: 'deleteMigration', summary: 'Remove a batch that is not running (the copied mail stays)', tag: 'migrations', params: [Name], status: 200, response: DeleteBatch.response, errors: [400, 404] },
];
