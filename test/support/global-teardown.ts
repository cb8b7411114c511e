import type { EmbeddedServer } from '../../server/src/db/embedded';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __AMOP_PG__?: EmbeddedServer }).__AMOP_PG__;
  if (server) await server.stop();
}
