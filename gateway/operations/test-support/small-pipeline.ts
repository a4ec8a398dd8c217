import type { GraphQLFieldResolver, ValidationRule } from 'graphql';
import { buildSchema } from 'graphql';
import type { Scope } from '../../auth/scopes.js';
import { SCOPES } from '../../auth/scopes.js';
import { captureLog } from '../../http/test-support/log-capture.js';
import { Metrics } from '../../metrics.js';
import type { OperationContext } from '../execution.js';
import { schemaExecution } from '../execution.js';
import { OperationPipeline } from '../pipeline.js';

/**
 * A pipeline over a small schema whose root fields are named like the gateway's (so the scope table
 * applies: `flows` needs read, `setFlowLabel` write, `flowDeleteRequests` admin), with `resolvers` for
 * its Query fields, the log captured, and the gateway's limits.
 */
export function smallPipeline(
  resolvers: Record<string, GraphQLFieldResolver<unknown, unknown>> = {},
  options: { rules?: readonly ValidationRule[]; maxResultObjects?: number } = {},
) {
  const schema = buildSchema(`
    type Flow { id: ID, label: String, flows(limit: Int): [Flow!]! }
    type Query { flows(limit: Int): [Flow!]!, flow(id: ID!): Flow, flowDeleteRequests: [ID!]!, service: String }
    type Mutation { setFlowLabel(id: ID!, label: String): Flow }
    type Subscription { flowUpdated(id: ID!): Flow }
  `);
  const fields = schema.getQueryType()!.getFields();
  for (const [name, resolve] of Object.entries(resolvers)) fields[name]!.resolve = resolve;
  const capture = captureLog('debug');
  const metrics = new Metrics('test');
  const pipeline = new OperationPipeline({
    schema,
    execution: schemaExecution(schema, (context) => context),
    validation: { rules: options.rules ?? [], fragmentBounds: true },
    admission: { maxResultObjects: options.maxResultObjects },
    log: capture.log,
    metrics,
  });
  return { pipeline, schema, metrics, lines: capture.lines };
}

export const callerWith = (...scopes: Scope[]): OperationContext => ({
  requestId: 'req-7',
  caller: { principal: 'someone', scopes: new Set(scopes), scheme: 'api-token' },
});

export const ADMIN = callerWith(...SCOPES);
