import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { ContractError, CreateConnector, DeleteConnector, ExportConnectors, GetConnector, GetConnectorTraffic, ImportConnectors, ListConnectors, TestConnector, UpdateConnector } from '@mail/contracts';
import { connectorStatus } from './connector-status.js';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

/** Connectors (Exchange's inbound and outbound connectors): CRUD, and the YAML file of all of them. */
@Controller('api/v1/connectors')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class ConnectorsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  list(@Query('direction') direction?: string) {
    return this.bus.request(ListConnectors, parseInput(ListConnectors.request, { direction: direction || undefined }));
  }

  @Post()
  create(@Body() body: unknown) {
    return this.bus.request(CreateConnector, parseInput(CreateConnector.request, body));
  }

  // before ':name': these words are reserved connector names
  @Get('export')
  export() {
    return this.bus.request(ExportConnectors, {});
  }

  /** Per connector: counts of the last hour and day and the latest success and failure, from the message trace. */
  @Get('status')
  async status(@Query('name') name?: string) {
    const [{ connectors }, traffic] = await Promise.all([this.bus.request(ListConnectors, {}), this.bus.request(GetConnectorTraffic, {}, { timeoutMs: 30_000 })]);
    const all = connectorStatus(connectors, traffic);
    if (!name) return all;
    const one = all.connectors.filter((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!one.length) throw new ContractError('NOT_FOUND', `no connector ${JSON.stringify(name)} is configured or in the trace`);
    return { ...all, connectors: one };
  }

  /** A file with problems is a 400 listing each with its line; nothing is applied. */
  @Post('import')
  @HttpCode(200)
  async import(@Body() body: unknown) {
    const result = await this.bus.request(ImportConnectors, parseInput(ImportConnectors.request, body));
    if (!result.ok) throw new ContractError('INVALID', `nothing imported:\n${result.problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n')}`);
    return result;
  }

  /** Validate-OutboundConnector: EHLO/STARTTLS to each smart host, the certificate and the verdict; nothing sent */
  @Post(':name/test')
  @HttpCode(200)
  test(@Param('name') name: string, @Body() body: unknown) {
    const to = (body as { to?: unknown } | undefined)?.to;
    return this.bus.request(TestConnector, parseInput(TestConnector.request, { name, to }), { timeoutMs: 120_000 });
  }

  @Get(':name')
  get(@Param('name') name: string) {
    return this.bus.request(GetConnector, parseInput(GetConnector.request, { name }));
  }

  @Patch(':name')
  update(@Param('name') name: string, @Body() body: unknown) {
    return this.bus.request(UpdateConnector, parseInput(UpdateConnector.request, { name, patch: body ?? {} }));
  }

  @Delete(':name')
  remove(@Param('name') name: string) {
    return this.bus.request(DeleteConnector, parseInput(DeleteConnector.request, { name }));
  }
}
