/** The operation pipeline every GraphQL transport enters (pipeline.ts says which step lives where). */
export { apolloAdapter } from './apollo-adapter.js';
export { admissionRefusal } from './admission.js';
export type { AdmissionPolicy } from './admission.js';
export { DirectRoutes } from './direct-routes.js';
export type { DirectRoute, LocalSubgraph } from './direct-routes.js';
export { DocumentCache, PARSE_OPTIONS, queryHash } from './document-cache.js';
export { ErrorFormatter, rootCause } from './errors.js';
export { gatewayExecution, schemaExecution } from './execution.js';
export type { Execution, OperationContext, PreparedOperation, Variables } from './execution.js';
export { resolveOperation } from './operation.js';
export type { Transport } from './operation.js';
export { persistedQueryStore } from './persisted-queries.js';
export type { PersistedQueryStore } from './persisted-queries.js';
export { OperationPipeline } from './pipeline.js';
export type { OperationRequest, Outcome, PipelineOptions, Preparation } from './pipeline.js';
export { DocumentValidator, gatewayValidation, SUBGRAPH_VALIDATION } from './validation.js';
export type { ValidationPolicy } from './validation.js';
