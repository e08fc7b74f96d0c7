import type { Provider } from '@nestjs/common';
import { RateLimits } from '../limits/rate-limits';
import { CONFIG } from '../tokens';
import { ApiKeyDirectory } from './api-key-directory';
import { TokenVerifier, type TokenVerifierOptions } from './token-verifier';

/** What every HTTP service authenticates with: JWTs (secret or JWKS), the live API keys, and the per-principal rate. */
export const authProviders = (config: TokenVerifierOptions): Provider[] => [
  ApiKeyDirectory,
  { provide: RateLimits, inject: [CONFIG], useFactory: (c: ConstructorParameters<typeof RateLimits>[0]) => new RateLimits(c) },
  { provide: TokenVerifier, inject: [ApiKeyDirectory], useFactory: (keys: ApiKeyDirectory) => new TokenVerifier(config, keys) },
];
