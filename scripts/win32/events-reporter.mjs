// A node:test reporter for test:win32: one JSON line per finished test or
// suite, written to a file (Windows Node under Wine cannot write to a Unix
// pipe), so the Linux side counts passes, failures and skips with their
// reasons without parsing TAP.
export default async function* eventsReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    const error = data.details?.error;
    yield `${JSON.stringify({
      outcome: event.type === 'test:pass' ? 'pass' : 'fail',
      name: data.name,
      file: data.file,
      nesting: data.nesting,
      suite: data.details?.type === 'suite',
      skip: data.skip,
      todo: data.todo,
      error: error && {
        message: String(error.cause?.message ?? error.message),
        code: error.cause?.code ?? error.code,
        failureType: error.failureType,
      },
    })}\n`;
  }
}
