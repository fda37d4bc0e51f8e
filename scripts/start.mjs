// `npm start`: runs the hub locally. Checks prerequisites, installs the pinned Azurite if needed, starts it,
// creates functions/Hub.Functions/local.settings.json from the sample when missing, builds the app and seeds it
// (the sample provider directory, and a demo practice whose API key is printed once), then runs `func start`.
//   --demo     every duration compressed (scripts/demo.settings.json), for `npm run demo`
//   --no-func  everything but `func start` (for machines without Azure Functions Core Tools, and the tests);
//              stops the Azurite it started before exiting
// HUB_LOCAL_SETTINGS and HUB_AZURITE_LOCATION move the settings file and Azurite's data (the tests use them).
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

const demo = process.argv.includes('--demo');
const noFunc = process.argv.includes('--no-func');
const missing = [];
const sdks = version('dotnet', ['--list-sdks']);
if (!sdks || !/^10\./m.test(sdks)) missing.push('.NET 10 SDK (https://dotnet.microsoft.com/download): `dotnet --list-sdks` shows no 10.x SDK.');
if (Number(process.versions.node.split('.')[0]) < 20) missing.push(`Node.js 20 or later: this is Node ${process.versions.node}.`);
const func = version('func', ['--version']);
const funcMissing = !func || !func.startsWith('4.');
if (funcMissing && noFunc) console.log('Azure Functions Core Tools v4 not found (`func --version`): fine with --no-func, but `npm start` needs it to run the hub.');
else if (funcMissing) missing.push('Azure Functions Core Tools v4 (`npm i -g azure-functions-core-tools@4` or your package manager): `func --version` did not answer 4.x.');
if (missing.length) {
  console.error('The hub cannot start; missing prerequisites:\n' + missing.map((m) => `  - ${m}`).join('\n'));
  process.exit(1);
}

if (!fs.existsSync(path.join(root, 'node_modules', 'azurite'))) {
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', shell });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

const settings = process.env.HUB_LOCAL_SETTINGS ?? path.join(app, 'local.settings.json');
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
  const location = process.env.HUB_AZURITE_LOCATION ?? path.join(root, '.azurite');
  children.push(spawn(process.execPath, [azurite, '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--location', location], { stdio: 'inherit' }));
  for (let i = 0; i < 60 && !(await listening(10002)); i++) await new Promise((r) => setTimeout(r, 250));
  console.log(`Azurite started (data in ${path.relative(root, location) || location}).`);
}
const stop = () => children.forEach((c) => c.kill());

// Build and seed through the app itself (no host needed): providers from the sample, the demo practice's key.
// (`dotnet run` would hand over to func: the Functions SDK does that, so the built worker is run directly.)
const build = spawnSync('dotnet', ['build', app, '--nologo', '-v', 'quiet', '-c', 'Debug'], { cwd: root, stdio: 'inherit', shell });
const seed = build.status !== 0 ? build
  : spawnSync('dotnet', [path.join(app, 'bin', 'Debug', 'net10.0', 'Hub.Functions.dll'), 'seed', settings, path.join(root, 'samples', 'providers.json')], { cwd: root, stdio: 'inherit', shell });
if (seed.status !== 0) {
  console.error('Seeding the local hub failed (see above).');
  stop();
  process.exit(seed.status ?? 1);
}

if (noFunc) {
  console.log('Ready: everything but `func start` is done (--no-func).');
  stop();
  process.exit(0);
}

// Demo mode is configuration only: the demo durations go to the host as environment settings, over local.settings.json.
const demoSettings = demo ? JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'demo.settings.json'), 'utf8')) : {};
delete demoSettings['//'];
if (demo) console.log('Demo mode: durations compressed to minutes (scripts/demo.settings.json). In another terminal: npm run demo:referral');

// A local.settings.json made before the reconciler of pending events existed lacks its schedule, and the host would
// refuse to index DeliverPendingEvents without it: the sample's every 2 minutes, unless set.
const localValues = JSON.parse(fs.readFileSync(settings, 'utf8')).Values ?? {};
const scheduleDefault = localValues.PendingEventsSchedule || process.env.PendingEventsSchedule ? {} : { PendingEventsSchedule: '0 */2 * * * *' };

const host = spawn('func', ['start'], { cwd: app, stdio: 'inherit', shell, env: { ...scheduleDefault, ...process.env, ...demoSettings } });
children.push(host);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
host.on('exit', (code) => { stop(); process.exit(code ?? 0); });

// Once the host answers, say where the emails are.
for (let i = 0; i < 240; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  try {
    if (!(await fetch('http://localhost:7071/api/fhir/metadata')).ok) continue;
    console.log('\nThe hub is up at http://localhost:7071/api. Without a SendGrid key, emails land in http://localhost:7071/api/dev/outbox\n');
    break;
  } catch {
    // not up yet
  }
}
