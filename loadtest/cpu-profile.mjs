// Preloaded into every platform process by `npm run loadtest -- --profile` (NODE_OPTIONS=--import,
// since node refuses --cpu-prof there): records a V8 CPU profile from start to exit and writes it
// as <dir>/CPU.<pid>.cpuprofile, the folder given in this module's URL (?dir=…).
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = new URL(import.meta.url).searchParams.get('dir');
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  let written = false;
  process.on('exit', () => {
    if (written) return;
    written = true;
    // An in-thread inspector session answers synchronously, so this works inside 'exit'.
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
