import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Queue } from 'bullmq';

/** Where bull-board is served. */
export const DASHBOARD_PATH = '/admin/queues';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** bull-board's Express app, typed as the (req, res, next) handler it is. */
type ExpressHandler = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * bull-board for these queues, as a plain node:http handler for requests under
 * {@link DASHBOARD_PATH}. Loaded on demand: a process without a dashboard never loads Express.
 */
export async function createDashboardHandler(queues: Queue[]): Promise<RequestHandler> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
  ]);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter, options: { uiConfig: { boardTitle: 'Herald' } } });
  const app = serverAdapter.getRouter() as ExpressHandler;
  return (request, response) => {
    // The app's routes are relative to where it is mounted, as Express's app.use(path, app) would pass them.
    const rest = request.url!.slice(DASHBOARD_PATH.length);
    request.url = rest.startsWith('/') ? rest : `/${rest}`;
    app(request, response, (error) => {
      response.statusCode = error ? 500 : 404;
      response.end(error ? 'dashboard error' : 'not found');
    });
  };
}
