/**
 * Identity: citizen accounts (email + password, argon2id), email verification,
 * password reset, database sessions, rate-limited sign-in and, in demo mode,
 * one-click persona sign-in.
 */
export { registerIdentityRoutes } from './routes.ts';
export { sessionHook, startSession, endSession, SESSION_COOKIE, IDLE_TIMEOUT_MS, ABSOLUTE_TIMEOUT_MS } from './sessions.ts';
export { seedDemoPersonas, DEMO_PERSONAS, type Persona } from './demo-personas.ts';
export { signUp } from './sign-up.ts';
export { signIn, SIGN_IN_LIMITS } from './sign-in.ts';
export { verifyEmail } from './verify-email.ts';
export { requestPasswordReset, resetPassword } from './reset-password.ts';
export { findAccount } from './repository.ts';
export { createApiKey, revokeApiKey, listApiKeys, apiKeyHook, API_SCOPES, type ApiScope } from './api-keys.ts';
export { reverifyPassword, accountProfile, REVERIFY_LIMITS, type ReverifyResult } from './reverify-password.ts';
