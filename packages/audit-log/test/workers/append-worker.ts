// Appends `count` events to a log, as a separate process would (`conv log …` run concurrently).
import { openAuditLog } from '../../src/index.js';

const [file, worker, count, messageBytes] = process.argv.slice(2);
if (!file || !worker || !count) {
  process.stderr.write('usage: append-worker <file> <worker> <count> [messageBytes]\n');
  process.exit(2);
}
const padding = 'x'.repeat(Number(messageBytes ?? 0));
const log = openAuditLog({ file, staleMs: 2000 });
for (let i = 0; i < Number(count); i++) {
  await log.append({
    runId: `worker-${worker}`,
    status: 'in_progress',
    message: `worker ${worker} event ${i}${padding}`,
    step: 'test',
    rows: i,
  });
}
