#!/usr/bin/env node
// Entry point of the `civitas` command. Civitas runs its TypeScript sources
// directly through tsx (see docs/adr/0002-run-typescript-with-tsx.md).
import { register } from 'tsx/esm/api';
register();
await import('../src/cli.ts');
