import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { travelmode } from '#dialects';
import { CurrentPrincipal, Ids, NotReplayed, type IdSource, type Principal } from '#platform';
import { ApiKeysService } from '../../api-keys/api-keys.service';
import { CreateApiKeyDto } from './api-keys.dto';

const { views } = travelmode;

/** "Manage API Keys": the secret is in the creation answer only. */
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @NotReplayed('secret')
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateApiKeyDto, @Ids() ids: IdSource) {
    return views.createdApiKey(await this.keys.create(principal, body, ids));
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    return { apiKeys: (await this.keys.list(principal)).map(views.apiKey) };
  }

  @Delete(':keyId')
  @HttpCode(200)
  async revoke(@CurrentPrincipal() principal: Principal, @Param('keyId') keyId: string, @Ids() ids: IdSource) {
    return { apiKey: views.apiKey(await this.keys.revoke(principal, keyId, ids)) };
  }
}
