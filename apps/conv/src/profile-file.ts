import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConvError, ExitCode, type ProfileInput, ProfileSchema } from '@conv/core';

/**
 * The profile a command runs with: the app's built-in one, with the fields of a `--profile` JSON file
 * replacing its fields of the same name (`renames`, `exclude`, `transforms`…). Unknown fields are refused:
 * a misspelt `rename` must not silently do nothing.
 */
export function resolveCliProfile(base: ProfileInput, file: string | undefined, cwd: string): ProfileInput {
  if (!file) return base;
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConvError(`the profile file ${path} cannot be read: ${(err as Error).message}`, {
      code: 'config.profile',
      exit: ExitCode.usage,
      hint: '--profile takes a JSON file of profile fields (see docs/configuration.md#profiles)',
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConvError(`the profile file ${path} is not valid JSON: ${(err as Error).message}`, {
      code: 'config.profile',
      exit: ExitCode.usage,
    });
  }
  const parsed = ProfileSchema.partial().strict().safeParse(data);
  if (!parsed.success) {
    throw new ConvError(
      `the profile file ${path} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
      { code: 'config.profile', exit: ExitCode.usage },
    );
  }
  return { ...base, ...(data as ProfileInput) };
}
