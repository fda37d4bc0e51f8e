// `npm run demo:referral`: with the hub running in demo mode (`npm run demo`), posts the sample referral as the demo
// practice and walks you through its life, printing where to click at each step, until outcomes are recorded.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hub = process.env.HUB_URL ?? 'http://localhost:7071/api';

// The admin key for /manage endpoints on a host that enforces admin keys (the Functions host's master key or an
// admin-level key): from HUB_ADMIN_KEY, else from "HUB_ADMIN_KEY" in local.settings.json's Values. Without one, calls
// go without a key, which `func start` accepts locally (unless started with --enableAuth).
function adminKey() {
  if (process.env.HUB_ADMIN_KEY) return { value: process.env.HUB_ADMIN_KEY, from: 'the HUB_ADMIN_KEY environment variable' };
  const settings = process.env.HUB_LOCAL_SETTINGS ?? path.join(root, 'functions', 'Hub.Functions', 'local.settings.json');
  try {
    const value = JSON.parse(fs.readFileSync(settings, 'utf8')).Values?.HUB_ADMIN_KEY;
    if (value) return { value, from: `HUB_ADMIN_KEY in ${path.relative(process.cwd(), settings) || settings}` };
  } catch {
    // No local settings: no key.
  }
  return null;
}
const admin = adminKey();
const adminHeaders = admin ? { 'x-functions-key': admin.value } : {};
console.log(admin
  ? `Using the admin key from ${admin.from}.`
  : 'No admin key (set HUB_ADMIN_KEY, or HUB_ADMIN_KEY in local.settings.json Values): calling admin endpoints without one, as the local host allows.');

// A key for the demo practice: the one given (HUB_KEY), or a new one issued through the admin endpoint.
let key = process.env.HUB_KEY;
if (!key) {
  const issued = await fetch(`${hub}/manage/clients/demo-practice/keys`, { method: 'POST', headers: adminHeaders });
  if (issued.status === 401 || issued.status === 403) {
    console.error(`The hub refused to issue a demo key (${issued.status}): it enforces admin keys. Set HUB_ADMIN_KEY to the host's master key ` +
      '(or an admin key), or put it as HUB_ADMIN_KEY in local.settings.json Values; or give a practice key in HUB_KEY.');
    process.exit(2);
  }
  if (!issued.ok) throw new Error(`Could not issue a demo key (${issued.status}). Is the hub running (npm run demo)?`);
  key = (await issued.json()).apiKey;
}

// The sample bundle with a fresh referral identifier, so the demo can be run again and again.
const bundle = JSON.parse(fs.readFileSync(path.join(root, 'samples', 'bundle.json'), 'utf8'));
const request = bundle.entry.find((e) => e.resource.resourceType === 'ServiceRequest').resource;
request.identifier[0].value = `DEMO-${Date.now()}`;
const posted = await fetch(`${hub}/fhir`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', 'x-api-key': key }, body: JSON.stringify(bundle) });
if (!posted.ok) throw new Error(`The referral was refused (${posted.status}): ${await posted.text()}`);
// The sample is a transaction Bundle: the hub answers a transaction-response whose ServiceRequest entry is the referral.
const answer = await posted.json();
const referral = answer.resourceType === 'Bundle'
  ? answer.entry.find((e) => e.resource?.resourceType === 'ServiceRequest').resource
  : answer;
const taskId = posted.headers.get('x-task-id');
console.log(`Referral ${request.identifier[0].value} posted: ServiceRequest/${referral.id}, Task/${taskId}.`);

const steps = {
  'awaiting-provider': 'A provider was emailed. Open the outbox and click "Accept the referral": ' + `${hub}/dev/outbox`,
  'awaiting-follow-up': 'Accepted. The patient was sent a baseline survey (in the outbox); the follow-up survey follows in about a minute.',
  'baseline-survey-sent': 'Baseline survey sent: open the outbox, click "Answer the questions", and send the form.',
  'survey-sent': 'Follow-up survey sent: open the outbox, click the newest "Answer the questions", and send the form.',
  'survey-reminded': 'A survey reminder went out (it is in the outbox).',
  'written-back': 'Answers written back.',
  'outcome-recorded': `Outcomes recorded. See them: curl -H "X-API-Key: ${key}" "${hub}/fhir/Observation?based-on=ServiceRequest/${referral.id}"`,
  'no-response': 'The survey window closed without an answer: recorded as no response.',
};
let last = '';
for (let i = 0; i < 150; i++) {
  const task = await (await fetch(`${hub}/fhir/Task/${taskId}`, { headers: { 'x-api-key': key } })).json();
  const step = task.businessStatus?.coding?.[0]?.code ?? task.status;
  if (step !== last) {
    console.log(`[${new Date().toLocaleTimeString()}] Task ${task.status} / ${step}. ${steps[step] ?? ''}`);
    last = step;
  }
  if (['completed', 'cancelled', 'rejected', 'failed'].includes(task.status)) break;
  await new Promise((r) => setTimeout(r, 3000));
}
// The evidence report for the demo practice: the hub snapshots nightly, so take one now to include this referral.
console.log(`\nThe evidence report: open ${hub}/reports and enter the key, after taking a fresh snapshot:`);
console.log(`  curl -X POST -H "x-functions-key: $HUB_ADMIN_KEY" "${hub}/manage/reports/snapshot"   # the admin key, as above`);
console.log(`  curl -H "X-API-Key: ${key}" "${hub}/fhir/MeasureReport"`);
