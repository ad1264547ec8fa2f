// CSV export of the analytics answers: RFC 4180 quoting, the spreadsheet formula guard, the collections, channel and user columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_HEADER, answersCsv, csvCell } from '../../src/analytics/csv.ts';
import type { AnalyticsAnswerRow } from '../../src/contracts/analytics-summary.ts';

void test('cells: quotes doubled, commas and line breaks quoted, null empty, numbers plain', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a, b'), '"a, b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(-0.25), '-0.25');
  assert.equal(csvCell(Number.NaN), '');
});

void test('text that a spreadsheet would run as a formula is prefixed with an apostrophe', () => {
  for (const evil of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx']) assert.ok(csvCell(evil).replace(/^"/, '').startsWith(`'${evil[0]}`), evil);
  assert.equal(csvCell('=HYPERLINK("http://x", "y")'), `"'=HYPERLINK(""http://x"", ""y"")"`);
  assert.equal(csvCell('a=b'), 'a=b');
});

void test('the export: BOM, header, CRLF rows, one row per answer in order', () => {
  const row: AnalyticsAnswerRow = {
    answerId: 'a1', at: Date.UTC(2025, 0, 2, 3, 4, 5), question: '=cmd|"/c calc"!A0', answer: 'line 1\nline 2, "quoted"', vote: 'down',
    questionSentiment: -0.123456, answerSentiment: 0.5,
    timings: { queueWaitMs: 1, retrievalMs: 2, firstTokenMs: 3, generationMs: 4, totalMs: 1234.56 }, tokensPerSecond: null, worker: 'w1', model: 'm',
    channel: 'mcp', userId: 'u-1',
  };
  const csv = answersCsv([row, { ...row, answerId: 'a2', vote: null }]);
  assert.ok(csv.startsWith('\uFEFFtime (UTC),answer id,question,answer,vote,'));
  const lines = csv.slice(1).split('\r\n');
  assert.equal(lines.length, 4); // header, two rows, final empty
  assert.equal(lines[0]!.split(',').length, CSV_HEADER.length);
  assert.equal(lines[1], `2025-01-02T03:04:05.000Z,a1,"'=cmd|""/c calc""!A0","line 1\nline 2, ""quoted""",down,-0.1235,0.5,1234.6,1,2,3,4,,w1,m,,mcp,u-1,0`, 'no collections: that cell is empty');
  assert.match(lines[2]!, /^[^,]+,a2,.*,,-0\.1235,/s);
});

void test('the collections column comes after the model, names each collection (its id when the name is unknown), guarded like any text', () => {
  const row: AnalyticsAnswerRow = {
    answerId: 'a1', at: 0, question: 'q', answer: 'a', vote: null, questionSentiment: 0, answerSentiment: 0,
    timings: { queueWaitMs: 1, retrievalMs: 2, firstTokenMs: 3, generationMs: 4, totalMs: 5 }, tokensPerSecond: null, worker: 'w', model: 'm',
    collections: ['hr', 'manuals', 'gone'],
  };
  const names = new Map([['hr', 'HR, policies'], ['manuals', '=Manuals']]);
  const [header, line] = answersCsv([row], { collection: (id) => names.get(id) ?? id }).slice(1).split('\r\n');
  assert.ok(header!.endsWith(',model,collections,channel,user,flagged sources'));
  assert.ok(line!.endsWith(`,w,m,"HR, policies; =Manuals; gone",web,,0`), line);
  assert.ok(answersCsv([{ ...row, collections: ['=evil'] }]).includes(",m,'=evil,web,,0\r\n"), 'a name that looks like a formula is guarded');
  assert.ok(answersCsv([{ ...row, collections: undefined }]).endsWith(',w,m,,web,,0\r\n'), 'rows from an older analytics service: empty');
});

void test('channel and user come after the collections: the channel as recorded (web before channels), the user by name, empty without one', () => {
  const row: AnalyticsAnswerRow = {
    answerId: 'a1', at: 0, question: 'q', answer: 'a', vote: null, questionSentiment: 0, answerSentiment: 0,
    timings: { queueWaitMs: 1, retrievalMs: 2, firstTokenMs: 3, generationMs: 4, totalMs: 5 }, tokensPerSecond: null, worker: 'w', model: 'm',
    collections: [], channel: 'openai', userId: 'u-1',
  };
  assert.deepEqual(CSV_HEADER.slice(-4, -1), ['collections', 'channel', 'user']);
  const users = new Map([['u-1', 'Smith, "Ada"'], ['u-2', '=cmd'], ['u-3', 'two\nlines'], ['u-4', '-x'], ['u-5', '+1'], ['u-6', '@me']]);
  const user = (id: string): string => users.get(id) ?? id;
  const lines = answersCsv([
    row,
    { ...row, answerId: 'a2', channel: 'mcp', userId: 'u-2' },
    { ...row, answerId: 'a3', channel: null, userId: null },
    { ...row, answerId: 'a4', channel: undefined, userId: undefined },
    { ...row, answerId: 'a5', channel: 'api', userId: 'gone' },
    { ...row, answerId: 'a6', userId: 'u-3' },
  ], { user }).slice(1).split('\r\n');
  assert.ok(lines[1]!.endsWith(',w,m,,openai,"Smith, ""Ada""",0'), lines[1]);
  assert.ok(lines[2]!.endsWith(",w,m,,mcp,'=cmd,0"), `a name that looks like a formula is guarded: ${lines[2]}`);
  assert.ok(lines[3]!.endsWith(',w,m,,web,,0'), `recorded before channels, nobody signed in: ${lines[3]}`);
  assert.ok(lines[4]!.endsWith(',w,m,,web,,0'), `an older analytics service: ${lines[4]}`);
  assert.ok(lines[5]!.endsWith(',w,m,,api,gone,0'), `an account no longer known: its id: ${lines[5]}`);
  assert.ok(lines[6]!.endsWith(',w,m,,openai,"two\nlines",0'), lines[6]);
  for (const id of ['u-4', 'u-5', 'u-6']) assert.ok(answersCsv([{ ...row, userId: id }], { user }).endsWith(`,openai,'${users.get(id)!},0\r\n`), id);
});
