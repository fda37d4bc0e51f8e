// `npm run demo:referral`: with the hub running in demo mode (`npm run demo`), posts the sample referral as the demo
// practice and walks you through its life, printing where to click at each step, until outcomes are recorded.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hub = process.env.HUB_URL ?? 'http://localhost:7071/api';

// A key for the demo practice: the one given, or a new one (the local host does not enforce admin keys).
let key = process.env.HUB_KEY;
if (!key) {
  const issued = await fetch(`${hub}/manage/clients/demo-practice/keys`, { method: 'POST' });
  if (!issued.ok) throw new Error(`Could not issue a demo key (${issued.status}). Is the hub running (npm run demo)?`);
  key = (await issued.json()).apiKey;
}

// The sample bundle with a fresh referral identifier, so the demo can be run again and again.
const bundle = JSON.parse(fs.readFileSync(path.join(root, 'samples', 'bundle.json'), 'utf8'));
const request = bundle.entry.find((e) => e.resource.resourceType === 'ServiceRequest').resource;
request.identifier[0].value = `DEMO-${Date.now()}`;
const posted = await fetch(`${hub}/fhir`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', 'x-api-key': key }, body: JSON.stringify(bundle) });
if (posted.status !== 201) throw new Error(`The referral was refused (${posted.status}): ${await posted.text()}`);
const referral = await posted.json();
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
console.log(`  curl -X POST "${hub}/manage/reports/snapshot"   # func start does not check keys locally (unless --enableAuth)`);
console.log(`  curl -H "X-API-Key: ${key}" "${hub}/fhir/MeasureReport"`);
