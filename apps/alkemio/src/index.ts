import { runCli } from '@conv/cli';
import { alkemio } from './profile.js';

export { alkemio } from './profile.js';

/** The `alkemio` command line: the generic conv commands with the Alkemio profile. */
export function main(
  argv: string[],
  options: Omit<Parameters<typeof runCli>[1], 'name' | 'profile' | 'database'> = {},
) {
  return runCli(argv, {
    ...options,
    name: alkemio.name,
    database: alkemio.database,
    profile: alkemio.profile,
  });
}
