import { fileURLToPath } from 'node:url';
import { convTestConfig } from '../../vitest.shared.ts';

export default convTestConfig(fileURLToPath(new URL('.', import.meta.url)));
