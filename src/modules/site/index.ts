/** Site-wide routes: health, metrics, OpenAPI, and the content pages linked from the footer. */
export { registerSiteRoutes, CONTENT_PAGES } from './routes.ts';
