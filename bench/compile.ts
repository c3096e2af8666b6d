// Child programs of the benchmark (the bare node-pty host, the module-load
// probe) are written in TypeScript like the rest of bench/, but they are
// measured, so they must start as plain Node does: no tsx loader. They are
// transpiled once per run into bench/out/bin/, next to the repository's
// node_modules so that their imports resolve.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';

export type ModuleFormat = 'esm' | 'cjs';

const compiled = new Map<string, string>();

/** Transpiles bench/<name>.ts to bench/out/bin/<name>.mjs|.cjs (once per run) and returns its path. */
export function compileChild(repo: string, name: string, format: ModuleFormat): string {
  const known = compiled.get(`${repo}|${name}|${format}`);
  if (known !== undefined) return known;
  const source = join(repo, 'bench', `${name}.ts`);
  const outDir = join(repo, 'bench', 'out', 'bin');
  mkdirSync(outDir, { recursive: true });
  const result = ts.transpileModule(readFileSync(source, 'utf8'), {
    fileName: basename(source),
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: format === 'esm' ? ts.ModuleKind.ES2022 : ts.ModuleKind.CommonJS,
      verbatimModuleSyntax: false,
      sourceMap: false,
    },
  });
  const out = join(outDir, `${name}.${format === 'esm' ? 'mjs' : 'cjs'}`);
  writeFileSync(out, result.outputText);
  compiled.set(`${repo}|${name}|${format}`, out);
  return out;
}
