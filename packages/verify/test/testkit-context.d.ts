// @conv/testkit's types point at its sources, whose `inject('convServers')` typing lives in its global
// setup file (not imported by its index): declare the provided context here so `tsc` sees it.
import type { ServerInfo } from '@conv/testkit';

declare module 'vitest' {
  export interface ProvidedContext {
    convServers: { mysql: ServerInfo; pg: ServerInfo };
  }
}
