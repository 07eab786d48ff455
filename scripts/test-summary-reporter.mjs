// A node:test reporter that prints nothing while the run goes, then one line per failed,
// cancelled or timed-out test at the end, so the tail of a long CI log names what went wrong
// (the TAP stream above it names it too, but thousands of lines earlier).
export default async function* summary(source) {
  const bad = [];
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, details } = event.data;
    const error = details?.error;
    // A suite fails when a test in it fails; the test's own line says more.
    if (error?.failureType === 'subtestsFailed') continue;
    const why = error?.failureType ?? 'fail';
    const message = String(error?.cause?.message ?? error?.message ?? '').split('\n')[0];
    bad.push(`  ${file ?? '?'} :: ${name} [${why}] ${message}`.trimEnd());
  }
  if (bad.length === 0) {
    yield 'test summary: no test failed or was cancelled\n';
    return;
  }
  yield `test summary: ${bad.length} failed or cancelled\n${bad.join('\n')}\n`;
}
