/**
 * Real servers on loopback ports: a listening Civitas (for flows that leave it
 * and come back over HTTP) and GovTech's mockpass (Singpass and Corppass).
 */
import net from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { createTestPlatform, type TestPlatform } from './platform.ts';
import type { PlatformOptions } from '../../src/main.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ListeningPlatform { platform: TestPlatform; origin: string; close(): Promise<void> }

/** Civitas on 127.0.0.1:<port>, its base URL that address. `env` may be a function of the origin. */
export async function listeningPlatform(env: Record<string, string> | ((origin: string) => Record<string, string>) = {}, opts: PlatformOptions = {}): Promise<ListeningPlatform> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const platform = await createTestPlatform({ PORT: String(port), CIVITAS_BASE_URL: origin, ...(typeof env === 'function' ? env(origin) : env) }, opts);
  await platform.app.listen({ port, host: '127.0.0.1' });
  return { platform, origin, close: () => platform.close() };
}

export interface Mockpass { origin: string; singpassIssuer: string; corppassIssuer: string; close(): Promise<void> }

/**
 * @opengovsg/mockpass, started from code on a loopback port (its CLI would bind
 * every interface). It reads SP_RP_JWKS_ENDPOINT / CP_RP_JWKS_ENDPOINT (where it
 * fetches the relying party's keys) and SHOW_LOGIN_PAGE when a request comes.
 */
export async function startMockpass(): Promise<Mockpass & { useRelyingParty(jwksUrl: string): void }> {
  process.env.SHOW_LOGIN_PAGE = 'false';
  const require = createRequire(import.meta.url);
  const { app } = require('@opengovsg/mockpass/app.js') as { app: { listen(port: number, host: string, cb: () => void): Server } };
  const port = await freePort();
  const server = await new Promise<Server>((resolve) => { const s = app.listen(port, '127.0.0.1', () => resolve(s)); });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin, singpassIssuer: `${origin}/singpass/v2`, corppassIssuer: `${origin}/corppass/v2`,
    useRelyingParty(jwksUrl: string) { process.env.SP_RP_JWKS_ENDPOINT = jwksUrl; process.env.CP_RP_JWKS_ENDPOINT = jwksUrl; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
