/**
 * Report renderings: a plain-text listing (one line per step, failures with expected vs
 * actual and a response excerpt) and JUnit XML for CI systems.
 */
import { escapeXml } from '@mesh/xml';
import type { Report, ScenarioResult, StepResult } from './model.js';

const MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

const indent = (text: string, prefix: string): string =>
  text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');

/** Text of one step: its line, then (when failed) each failure and the excerpt. */
function formatStep(st: StepResult): string {
  const retries = st.attempts > 1 ? `, ${st.attempts} attempts` : '';
  const lines = [`  ${MARK[st.status]} ${st.index}. ${st.name} (${st.durationMs} ms${retries})`];
  for (const f of st.failures) lines.push(`       ${f.check}: expected ${f.expected}, got ${f.actual}`);
  if (st.excerpt) lines.push('       response:', indent(st.excerpt, '         | '));
  return lines.join('\n');
}

/** Text of one scenario (header line and its steps). */
export function formatScenario(r: ScenarioResult): string {
  const tags = r.tags.length ? ` [${r.tags.join(', ')}]` : '';
  const head = `${MARK[r.status]} ${r.id}: ${r.title}${tags} (${r.durationMs} ms)`;
  if (r.status === 'skipped') return `${head}\n  skipped: ${r.skipReason ?? ''}`;
  return [head, ...r.steps.map(formatStep)].join('\n');
}

/** Summary line: counts and verdict. */
export function formatSummary(report: Report): string {
  const total = report.scenarios.length;
  const steps = report.scenarios.flatMap((s) => s.steps);
  const failedSteps = steps.filter((s) => s.status === 'failed').length;
  const failedIds = report.scenarios.filter((s) => s.status === 'failed').map((s) => s.id);
  const list = failedIds.length ? `\nfailed scenarios: ${failedIds.join(', ')}` : '';
  return (
    `${report.ok ? 'OK' : 'FAILED'}: ${total} scenarios, ${report.passed} passed, ${report.failed} failed, ` +
    `${report.skipped} skipped; ${steps.length} steps, ${failedSteps} failed (${report.durationMs} ms)${list}`
  );
}

/** The whole report as text. */
export function formatReport(report: Report): string {
  return [...report.scenarios.map(formatScenario), '', formatSummary(report)].join('\n');
}

const secs = (ms: number): string => (ms / 1000).toFixed(3);

/** escapeXml, plus control characters XML 1.0 cannot carry (2.2 Char) replaced by U+FFFD. */
const x = (s: string): string => escapeXml(s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd'));

/**
 * JUnit XML: one testsuite per scenario, one testcase per step (the de-facto schema read by
 * Jenkins, GitLab and GitHub reporters). A skipped scenario is one skipped testcase.
 */
export function toJUnit(report: Report): string {
  const suites = report.scenarios.map((s) => {
    const cases =
      s.status === 'skipped'
        ? [
            `<testcase classname="${x(s.id)}" name="${x(s.title)}" time="0">` +
              `<skipped message="${x(s.skipReason ?? '')}"/></testcase>`,
          ]
        : s.steps.map((st) => {
            const open = `<testcase classname="${x(s.id)}" name="${x(`${st.index}. ${st.name}`)}" time="${secs(st.durationMs)}">`;
            if (st.status === 'skipped')
              return `${open}<skipped message="an earlier step failed"/></testcase>`;
            if (st.status === 'passed') return `${open}</testcase>`;
            const detail = [
              ...st.failures.map((f) => `${f.check}: expected ${f.expected}, got ${f.actual}`),
              st.excerpt ?? '',
            ].join('\n');
            const msg = st.failures.map((f) => f.check).join(', ');
            return `${open}<failure message="${x(msg)}">${x(detail)}</failure></testcase>`;
          });
    const tests = s.status === 'skipped' ? 1 : s.steps.length;
    const failures = s.steps.filter((st) => st.status === 'failed').length;
    const skipped = s.status === 'skipped' ? 1 : s.steps.filter((st) => st.status === 'skipped').length;
    return (
      `<testsuite name="${x(s.id)}" file="${x(s.file)}" tests="${tests}" failures="${failures}" ` +
      `errors="0" skipped="${skipped}" time="${secs(s.durationMs)}">${cases.join('')}</testsuite>`
    );
  });
  const tests = report.scenarios.reduce((n, s) => n + (s.status === 'skipped' ? 1 : s.steps.length), 0);
  const failures = report.scenarios.reduce(
    (n, s) => n + s.steps.filter((st) => st.status === 'failed').length,
    0,
  );
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mesh-conformance" tests="${tests}" ` +
    `failures="${failures}" time="${secs(report.durationMs)}">\n${suites.join('\n')}\n</testsuites>\n`
  );
}
