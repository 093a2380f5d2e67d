// Runs migrate() with the options given as JSON in argv[2] (the kill -9 test kills this process).
import { migrate } from '@conv/migrate';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof migrate>[0];
await migrate(options);
process.stdout.write('done\n');
