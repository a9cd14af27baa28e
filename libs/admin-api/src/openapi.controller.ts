import { Controller, Get, Header } from '@nestjs/common';
import { buildOpenApiDocument } from './openapi.js';

/** Public on purpose: the document describes the API, it grants nothing. */
@Controller('api')
export class OpenApiController {
  private readonly document = buildOpenApiDocument();

  @Get('openapi.json')
  @Header('cache-control', 'no-cache')
  get() {
    return this.document;
  }
}
