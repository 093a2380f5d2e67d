import { runCli } from '@conv/cli';
import { kratos } from './profile.js';

export { kratos } from './profile.js';

/** The `kratos` command line: the generic conv commands with the Kratos profile. */
export function main(
  argv: string[],
  options: Omit<Parameters<typeof runCli>[1], 'name' | 'profile' | 'database'> = {},
) {
  return runCli(argv, { ...options, name: kratos.name, database: kratos.database, profile: kratos.profile });
}
