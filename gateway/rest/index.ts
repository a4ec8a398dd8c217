import type { Authenticator } from '../auth/authenticator.js';
import { authenticateRequest } from '../auth/http-auth.js';
import { allows, describeRequirement, restRequirement } from '../auth/scope-rules.js';
import type { Route } from '../http/server.js';
import type { OperationPipeline } from '../operations/index.js';
import { RestContext } from './context.js';
import { restError } from './errors.js';
import { graphqlRunner, registerDocuments } from './graphql.js';
import type { Method } from './router.js';
import { allowedMethods, RestRouter } from './router.js';
import { EXTENSION_ROUTES, REST_ROUTES } from './routes/index.js';

/**
 * The TAMS 7.0 REST API: every route maps TAMS JSON to the variables of a typed operation
 * (operations/*.graphql), runs it in process through the gateway and maps the result back to TAMS JSON.
 * HTTP concerns live here (paths, query parameters, status codes, paging headers, error bodies); every
 * rule lives in the domain, so REST and GraphQL behave alike.
 */
export function restApi(pipeline: OperationPipeline, publicUrl: string, authenticator: Authenticator): Route {
  const router = new RestRouter([...REST_ROUTES, ...EXTENSION_ROUTES]);
  // The server asks three times per request (its route, the metrics label, the handler): the last
  // path's match is kept, a pure function of the path, so a request is matched once.
  let last: { path: string; match: ReturnType<RestRouter['match']> } | undefined;
  const match = (path: string) => {
    if (last?.path !== path) last = { path, match: router.match(path) };
    return last.match;
  };
  registerDocuments(pipeline);
  return {
    name: 'rest',
    matches: (path) => match(path) !== undefined,
    // Per-route request metrics: the 7.0 template (bounded), never the path with its ids.
    pathLabel(path) {
      const found = match(path);
      return typeof found === 'object' ? found.route.path : 'rest';
    },
    async handle(req, res, requestId) {
      const caller = await authenticateRequest(authenticator, req);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q < 0 ? url : url.slice(0, q);
      const rawQuery = q < 0 ? '' : url.slice(q + 1);
      const found = match(rawPath);
      if (found === 'malformed' || found === undefined)
        throw restError('NOT_FOUND', 'the path holds a malformed percent-encoded id');
      const head = req.method === 'HEAD';
      const handler = found.route.methods[(head ? 'GET' : req.method) as Method];
      if (!handler) {
        res.setHeader('allow', allowedMethods(found.route));
        throw restError('METHOD_NOT_ALLOWED', `${req.method ?? '?'} is not supported on ${found.route.path}`);
      }
      // Checked here as well as by the GraphQL operations the route runs, so a caller without the scope
      // learns nothing from the route (not even whether the flow exists) and no body is read.
      const requirement = restRequirement(found.route.path, req.method ?? '');
      if (!requirement || !allows(caller, requirement))
        throw restError(
          'FORBIDDEN',
          `${req.method ?? '?'} ${found.route.path} needs the ${describeRequirement(requirement)} scope, which this caller lacks`,
        );
      const context = new RestContext(
        req,
        rawPath,
        found.params,
        rawQuery,
        graphqlRunner(pipeline, { requestId, caller }),
        publicUrl,
      );
      const response = await handler(context);
      for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
      if (response.body === undefined) {
        res.writeHead(response.status);
        res.end();
        return;
      }
      const text = JSON.stringify(response.body);
      res.writeHead(response.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      // A HEAD answer carries the GET's status and headers, and no body.
      res.end(head ? undefined : text);
    },
  };
}
