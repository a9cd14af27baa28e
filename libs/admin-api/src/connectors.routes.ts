import { ConnectorDirection, CreateConnector, DeleteConnector, ExportConnectors, GetConnector, ImportConnectors, ListConnectors, UpdateConnector } from '@mail/contracts';
import { z } from 'zod';
import type { RouteDoc } from './openapi.js';

const Name = { name: 'name', in: 'path' as const, description: 'connector name (case-insensitive), URL-encoded', schema: z.string(), required: true };

/** The connector routes of the OpenAPI document (ConnectorsController). */
export const CONNECTOR_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/connectors',
    operationId: 'listConnectors',
    summary: 'List connectors',
    tag: 'connectors',
    params: [{ name: 'direction', in: 'query', description: 'only inbound or outbound connectors', schema: ConnectorDirection }],
    status: 200,
    response: ListConnectors.response,
    errors: [400, 503],
  },
  {
    method: 'post',
    path: '/api/v1/connectors',
    operationId: 'createConnector',
    summary: 'Create a connector (Exchange New-InboundConnector / New-OutboundConnector); applied by every replica within a second',
    tag: 'connectors',
    body: CreateConnector.request,
    status: 201,
    response: CreateConnector.response,
    errors: [400, 409, 503],
  },
  {
    method: 'get',
    path: '/api/v1/connectors/export',
    operationId: 'exportConnectors',
    summary: 'Every connector as YAML (passwords sealed, never in clear)',
    tag: 'connectors',
    status: 200,
    response: ExportConnectors.response,
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/v1/connectors/import',
    operationId: 'importConnectors',
    summary: 'Create or update connectors from YAML: all checked first (400 with line numbers, nothing applied), then applied in one transaction',
    tag: 'connectors',
    body: ImportConnectors.request,
    status: 200,
    response: ImportConnectors.response,
    errors: [400, 503],
  },
  { method: 'get', path: '/api/v1/connectors/{name}', operationId: 'getConnector', summary: 'Show one connector', tag: 'connectors', params: [Name], status: 200, response: GetConnector.response, errors: [400, 404] },
  {
    method: 'patch',
    path: '/api/v1/connectors/{name}',
    operationId: 'updateConnector',
    summary: 'Change fields of a connector (null clears an optional field)',
    tag: 'connectors',
    params: [Name],
    body: UpdateConnector.request.shape.patch,
    status: 200,
    response: UpdateConnector.response,
    errors: [400, 404, 409],
  },
  {
    method: 'delete',
    path: '/api/v1/connectors/{name}',
    operationId: 'deleteConnector',
    summary: 'Remove a connector',
    tag: 'connectors',
    params: [Name],
    status: 200,
    response: DeleteConnector.response,
    errors: [400, 404],
  },
];
