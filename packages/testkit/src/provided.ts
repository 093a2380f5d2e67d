// What the global setup hands to the test workers through vitest's provide/inject.
import type { ServerInfo } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    convServers: { mysql: ServerInfo; pg: ServerInfo };
  }
}
