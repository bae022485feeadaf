/**
 * Identity-vigilance JSON API under /api/mpi (issue 5): the worklist of potential duplicates
 * and collisions, decisions (link, unlink, merge, dismiss) recorded with who and when,
 * quality indicators per source, and an identity's cross-references and history. Errors are
 * problem+json (RFC 9457).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { MpiError } from './model.js';
import type { Mpi } from './mpi.js';

function problem(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title, status, detail });
}

const DECISIONS = new Set(['link', 'unlink', 'merge', 'dismiss']);

/** Registers the routes. */
export function registerMpiRoutes(app: FastifyInstance, mpi: Mpi, national: string): void {
  const guard = async (reply: FastifyReply, fn: () => Promise<unknown>): Promise<unknown> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof MpiError)
        return problem(reply, err.code === 'UnknownPatient' ? 404 : 409, err.code, err.message);
      throw err;
    }
  };

  app.get('/api/mpi/worklist', async (req, reply) => {
    const q = req.query as { status?: string; limit?: string };
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return problem(reply, 400, 'Bad Request', 'limit must be 1..1000');
    return { items: await mpi.worklist({ ...(q.status ? { status: q.status } : {}), limit }) };
  });

  app.get('/api/mpi/worklist/:id', async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || id < 1)
      return problem(reply, 400, 'Bad Request', 'id must be a positive integer');
    return guard(reply, () => mpi.reviewItem(id));
  });

  app.post('/api/mpi/worklist/:id/decision', async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    const body = (req.body ?? {}) as { action?: unknown; by?: unknown; note?: unknown };
    if (!Number.isInteger(id) || id < 1)
      return problem(reply, 400, 'Bad Request', 'id must be a positive integer');
    if (typeof body.action !== 'string' || !DECISIONS.has(body.action))
      return problem(reply, 400, 'Bad Request', 'action must be one of link, unlink, merge, dismiss');
    if (typeof body.by !== 'string' || body.by.trim() === '')
      return problem(reply, 400, 'Bad Request', 'by (who decides) is required');
    if (body.note !== undefined && typeof body.note !== 'string')
      return problem(reply, 400, 'Bad Request', 'note must be a string');
    return guard(reply, () =>
      mpi.decideReview({
        itemId: id,
        action: body.action as 'link' | 'unlink' | 'merge' | 'dismiss',
        by: body.by as string,
        ...(typeof body.note === 'string' ? { note: body.note } : {}),
      }),
    );
  });

  app.get('/api/mpi/indicators', async () => ({ sources: await mpi.indicators() }));

  app.get('/api/mpi/patients/:nationalId', async (req, reply) => {
    const nid = (req.params as { nationalId: string }).nationalId;
    return guard(reply, () => mpi.pixQuery({ id: nid, assigningAuthority: national }));
  });

  app.get('/api/mpi/patients/:nationalId/history', async (req) => {
    const nid = (req.params as { nationalId: string }).nationalId;
    return { history: await mpi.history(nid) };
  });
}
