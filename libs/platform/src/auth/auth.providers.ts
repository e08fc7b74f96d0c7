import type { Provider } from '@nestjs/common';
import { ApiKeyDirectory } from './api-key-directory';
import { TokenVerifier, type TokenVerifierOptions } from './token-verifier';

/** What every HTTP service authenticates with: JWTs (secret or JWKS) and the live API keys. */
export const authProviders = (config: TokenVerifierOptions): Provider[] => [
  ApiKeyDirectory,
  { provide: TokenVerifier, inject: [ApiKeyDirectory], useFactory: (keys: ApiKeyDirectory) => new TokenVerifier(config, keys) },
];
