// Importing `northstar-ai` or `northstar-ai/decorators` must load no framework an
// integration is for (OpenTelemetry, the AI SDK): they are optional peer dependencies,
// loaded only by their subpaths. Checked on the built package (dist/), in a fresh node
// process each, for both module systems: ESM through a resolve hook that logs every
// module, CommonJS through require.cache.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

// build/<compiler>-<mode>/spec/integrations -> the repository root (where `northstar-ai` resolves to itself).
const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'northstar-isolation-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FRAMEWORK = /[\\/]node_modules[\\/](@opentelemetry|ai|@ai-sdk)[\\/]/;

/** Every module file an ESM import of `specifiers` loads, in a fresh process. */
function esmLoads(specifiers: string[]): string[] {
  const log = join(dir, `esm-${specifiers.join('+').replace(/\W/g, '_')}.log`);
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  appendFileSync(process.env.NS_LOAD_LOG, result.url + '\\n');\n  return result;\n}\n`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  writeFileSync(log, '');
  const code = specifiers.map((s) => `await import(${JSON.stringify(s)});`).join('\n');
  execFileSync(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=module', '-e', code], { cwd: root, env: { ...process.env, NS_LOAD_LOG: log } });
  return readFileSync(log, 'utf8').split('\n').filter(Boolean).map((url) => (url.startsWith('file:') ? fileURLToPath(url) : url));
}

/** Every module file a CommonJS require of `specifiers` loads, in a fresh process. */
function cjsLoads(specifiers: string[]): string[] {
  const code = `${specifiers.map((s) => `require(${JSON.stringify(s)});`).join('')} process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=commonjs', '-e', code], { cwd: root, encoding: 'utf8' })) as string[];
}

describe('integrations are loaded only by their subpaths', () => {
  for (const [system, loads] of [
    ['ESM', esmLoads],
    ['CommonJS', cjsLoads],
  ] as const) {
    it(`${system}: northstar-ai and northstar-ai/decorators load no OpenTelemetry or AI SDK module`, () => {
      const files = loads(['northstar-ai', 'northstar-ai/decorators']);
      assert.ok(files.some((f) => /[\\/]dist[\\/]/.test(f)), 'the built package was loaded');
      assert.deepEqual(files.filter((f) => FRAMEWORK.test(f) || /[\\/]integrations[\\/]/.test(f)), []);
    });

    it(`${system}: northstar-ai/otel loads @opentelemetry/api, northstar-ai/ai-sdk loads nothing of ai`, () => {
      const otel = loads(['northstar-ai/otel']);
      assert.ok(otel.some((f) => /[\\/]@opentelemetry[\\/]api[\\/]/.test(f)));
      const aiSdk = loads(['northstar-ai/ai-sdk']);
      assert.ok(aiSdk.some((f) => /[\\/]integrations[\\/]ai-sdk[\\/]/.test(f)));
      assert.deepEqual(aiSdk.filter((f) => FRAMEWORK.test(f)), [], 'the AI SDK integration needs only its types of ai');
    });
  }
});
