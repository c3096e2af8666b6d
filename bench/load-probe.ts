// A --require hook that records which native addons (and node-pty modules) a
// Node process loaded, so the benchmark can show that `csm list`, `csm stop`
// and `csm --help` never load node-pty. Run as
//   NODE_OPTIONS="--require bench/out/bin/load-probe.cjs" CSM_BENCH_LOAD_LOG=<file> csm ...
// and it appends one JSON line per process at exit: { argv, addons, modules }.
//
// Transpiled to CommonJS in bench/out/bin/ (see compile.ts): --require wants CJS.
import { appendFileSync } from 'node:fs';

const log = process.env.CSM_BENCH_LOAD_LOG;
const addons: string[] = [];
const dlopen = process.dlopen;

process.dlopen = (module: object, filename: string, flags?: number): void => {
  addons.push(filename);
  if (flags === undefined) dlopen.call(process, module, filename);
  else dlopen.call(process, module, filename, flags);
};

process.on('exit', () => {
  if (log === undefined) return;
  const modules = Object.keys(require.cache).filter((path) => path.includes('node-pty'));
  appendFileSync(log, `${JSON.stringify({ argv: process.argv.slice(2), addons, modules })}\n`);
});
