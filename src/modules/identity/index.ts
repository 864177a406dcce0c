/**
 * Identity and access: citizen and officer accounts (email + password with
 * argon2id, email verification, password reset), Civitas's own OpenID provider
 * through which every sign-in goes, second factors (authenticator app, passkeys,
 * recovery codes), Singpass, Corppass and other external providers, businesses
 * and their representatives, database sessions, API keys and OAuth clients of
 * agency systems and, in demo mode, one-click persona sign-in.
 */
export { registerIdentityRoutes } from './routes.ts';
export { sessionHook, startSession, endSession, setActingFor, SESSION_COOKIE, IDLE_TIMEOUT_MS, ABSOLUTE_TIMEOUT_MS, type ActingFor } from './sessions.ts';
export { seedDemoPersonas, DEMO_PERSONAS, DEMO_BUSINESSES, type Persona } from './demo-personas.ts';
export { signUp } from './sign-up.ts';
export { signIn, SIGN_IN_LIMITS } from './sign-in.ts';
export { verifyEmail } from './verify-email.ts';
export { requestPasswordReset, resetPassword } from './reset-password.ts';
export { findAccount } from './repository.ts';
export { createApiKey, revokeApiKey, listApiKeys, apiKeyHook, API_SCOPES, type ApiScope } from './api-keys.ts';
export { reverifyPassword, accountProfile, REVERIFY_LIMITS, type ReverifyResult } from './reverify-password.ts';
export { createIdentity, attachWebClient, type IdentityServices } from './services.ts';
export { identityJobs } from './jobs.ts';
export { rotateKeys, promoteDueKeys, pruneKeys, loadKeys, publicJwks } from './signing-keys.ts';
export { WEB_CLIENT_ID, OIDC_PREFIX } from './provider.ts';
export { findBusiness, representationsOf, setBusinessRoles, ensureBusiness } from './businesses.ts';
export { inviteOfficer, listOfficers, setOfficerRoles } from './officers.ts';
export { createOAuthClient, revokeOAuthClient, listOAuthClients } from './oauth-clients.ts';
export { factorsOf, hasSecondFactor, verifyTotp, useRecoveryCode, demoTotpCode } from './second-factors.ts';
export { accountSummaries, listAgencyOfficers, accountForNric, accountByNricHash, accountsWithNric, type AccountSummary } from './directory.ts';
export { IDENTITY_ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
