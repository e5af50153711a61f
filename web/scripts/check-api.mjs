// Fails when src/lib/api/schema.d.ts no longer matches ../openapi/openapi.json.
// Regenerates into a temporary file with the same generator and compares the bytes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const spec = resolve(webDir, '../openapi/openapi.json');
const committed = resolve(webDir, 'src/lib/api/schema.d.ts');
const tempDir = mkdtempSync(join(tmpdir(), 'platina-check-api-'));
const fresh = join(tempDir, 'schema.d.ts');

try {
  const cli = resolve(webDir, 'node_modules/openapi-typescript/bin/cli.js');
  execFileSync(process.execPath, [cli, spec, '-o', fresh], { cwd: webDir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (readFileSync(fresh, 'utf8') !== readFileSync(committed, 'utf8')) {
    console.error(
      'check:api: src/lib/api/schema.d.ts is out of date with openapi/openapi.json.\n' +
        'Run `npm run gen:api` in web/ and commit the result.',
    );
    process.exitCode = 1;
  } else {
    console.log('check:api: src/lib/api/schema.d.ts matches openapi/openapi.json');
  }
} finally {
  rmSync(tempDir, { recursive: true, force: true });
}
