/**
 * The catalogue: service definitions (loaded from services/, validated,
 * versioned), agencies and life events, the pages people browse and search,
 * and GET /api/v1/services.
 */
export { Catalogue, feeSummary, type FeeSummary } from './catalogue.ts';
export { syncCatalogue } from './sync-catalogue.ts';
export { loadDefinitions, DefinitionError, type LoadProblem, type LoadOptions, type PrefillItems } from './load-definitions.ts';
export { registerCatalogueRoutes } from './routes.ts';
export type { Agency, Concession, Gst, Fee, LifeEvent, ServiceDefinition, ServiceVersion, WorkflowStep } from './schema.ts';
export { ServiceDefinitionSchema, ROLES, WORKFLOW_ACTIONS } from './schema.ts';
