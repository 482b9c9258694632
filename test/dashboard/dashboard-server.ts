/** A real test server (test/api/helpers.ts); the app serves /dashboard itself. */
import { startServer, type Server } from '../api/helpers.js';

export async function startDashboardServer(): Promise<Server> {
  const server = await startServer();
  if (!server.app.hasRoute({ method: 'GET', url: '/dashboard' })) {
    await server.close();
    throw new Error('the app does not serve /dashboard');
  }
  return server;
}
