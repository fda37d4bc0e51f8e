// `npm start`: runs the hub locally. Checks prerequisites, installs the pinned Azurite if needed, starts it,
// creates functions/Hub.Functions/local.settings.json from the sample when missing, runs `func start`
// (which builds the app), then registers a demo practice and prints its API key once.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const app = path.join(root, 'functions', 'Hub.Functions');
const shell = process.platform === 'win32';

function version(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', shell });
  return result.status === 0 ? result.stdout.trim() : null;
}

const missing = [];
const sdks = version('dotnet', ['--list-sdks']);
if (!sdks || !/^10\./m.test(sdks)) missing.push('.NET 10 SDK (https://dotnet.microsoft.com/download): `dotnet --list-sdks` shows no 10.x SDK.');
if (Number(process.versions.node.split('.')[0]) < 20) missing.push(`Node.js 20 or later: this is Node ${process.versions.node}.`);
const func = version('func', ['--version']);
if (!func || !func.startsWith('4.')) missing.push('Azure Functions Core Tools v4 (`npm i -g azure-functions-core-tools@4` or your package manager): `func --version` did not answer 4.x.');
if (missing.length) {
  console.error('The hub cannot start; missing prerequisites:\n' + missing.map((m) => `  - ${m}`).join('\n'));
  process.exit(1);
}

if (!fs.existsSync(path.join(root, 'node_modules', 'azurite'))) {
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', shell });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

const settings = path.join(app, 'local.settings.json');
if (!fs.existsSync(settings)) {
  fs.copyFileSync(path.join(root, 'local.settings.sample.json'), settings);
  console.log(`Created ${path.relative(root, settings)} from local.settings.sample.json.`);
}

const listening = (port) => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false));
});

const children = [];
if (await listening(10002)) {
  console.log('Storage emulator already listening on 10000-10002; using it.');
} else {
  const azurite = path.join(root, 'node_modules', 'azurite', 'dist', 'src', 'azurite.js');
  children.push(spawn(process.execPath, [azurite, '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--location', path.join(root, '.azurite')], { stdio: 'inherit' }));
  console.log('Azurite started (data in .azurite/).');
}

const host = spawn('func', ['start'], { cwd: app, stdio: 'inherit', shell });
children.push(host);
const stop = () => children.forEach((c) => c.kill());
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
host.on('exit', (code) => { stop(); process.exit(code ?? 0); });

// Once the host answers, give the demo practice (ODS A81001) an API key, shown once.
for (let i = 0; i < 240; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  try {
    if (!(await fetch('http://localhost:7071/api/fhir/metadata')).ok) continue;
    const response = await fetch('http://localhost:7071/api/manage/clients', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'demo-practice', name: 'Demo practice', practiceOdsCodes: ['A81001'] }),
    });
    const issued = await response.json();
    // The sample provider directory, so referrals have somewhere to go.
    const providers = fs.readFileSync(path.join(root, 'samples', 'providers.json'), 'utf8');
    const imported = await fetch('http://localhost:7071/api/manage/providers/import', { method: 'POST', headers: { 'content-type': 'application/json' }, body: providers });
    console.log(`\nProvider directory seeded from samples/providers.json (${imported.status}).`);
    console.log(`Demo practice A81001 can post referrals with:\n  X-API-Key: ${issued.apiKey}\n(shown once; see README for curl examples)`);
    console.log('Without a SendGrid key, emails land in http://localhost:7071/api/dev/outbox\n');
    break;
  } catch {
    // not up yet
  }
}
