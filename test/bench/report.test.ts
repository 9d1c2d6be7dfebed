import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatRatio, formatSpread, formatTick } from '../../bench/lib/format.ts';
import { renderHtml } from '../../bench/lib/report-html.ts';
import { scorecardTable } from '../../bench/lib/scorecard.ts';
import { markdownTable, renderMarkdown } from '../../bench/lib/report-markdown.ts';
import type { ReportInput } from '../../bench/lib/report-model.ts';
import { invertSummary, median, quantile, ratio, summarize } from '../../bench/lib/stats.ts';
import { niceStep, renderBarChart } from '../../bench/lib/svg-bar-chart.ts';
import type { BarChart, ScenarioOutcome } from '../../bench/lib/types.ts';

/**
 * Well-formedness as an XML parser would judge it: every tag closed in order, attributes quoted,
 * and no bare `<` or `&` in text or attribute values. Returns the element names in document order.
 */
function assertWellFormedXml(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  const entity = /&(amp|lt|gt|quot|apos|#\d+);/y;
  let index = 0;
  while (index < xml.length) {
    const char = xml[index];
    if (char === '<') {
      tag.lastIndex = index;
      const match = tag.exec(xml);
      assert.ok(match, `malformed tag at ${index}: ${xml.slice(index, index + 40)}`);
      const [whole, closing, name, attributes, selfClosing] = match;
      for (const value of attributes!.matchAll(/="([^"]*)"/g)) {
        assert.doesNotMatch(value[1]!.replaceAll(/&(amp|lt|gt|quot|apos);/g, ''), /&/, `bare & in ${name}`);
      }
      if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
      else {
        names.push(name!);
        if (!selfClosing) stack.push(name!);
      }
      index += whole.length;
    } else if (char === '&') {
      entity.lastIndex = index;
      assert.ok(entity.exec(xml), `bare & at ${index}`);
      index = entity.lastIndex;
    } else {
      if (char === '>') assert.ok(stack.length > 0, 'text outside the root');
      index++;
    }
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  return names;
}

const chart: BarChart = {
  title: 'Cost <of> "verify" & friends',
  unit: 'µs/op',
  better: 'lower',
  bars: [
    { label: 'floor', value: 50, low: 48, high: 61, baseline: true },
    { label: "jose's <async> & co", value: 120, low: 110, high: 160 },
    { label: 'no data', value: Number.NaN },
  ],
};

describe('stats', () => {
  it('median and quartiles interpolate between closest ranks', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(quantile([1, 2, 3, 4], 0.75), 3.25);
    assert.equal(quantile([7], 0.99), 7);
    assert.throws(() => median([]), RangeError);
    assert.throws(() => quantile([1], 1.5), RangeError);
  });

  it('summarize gives median, min–max and IQR without reordering the input', () => {
    const samples = [5, 1, 4, 2, 3];
    assert.deepEqual(summarize(samples), { n: 5, median: 3, min: 1, max: 5, q1: 2, q3: 4 });
    assert.deepEqual(samples, [5, 1, 4, 2, 3]);
  });

  it('summarize handles more samples than a spread call could take', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    const summary = summarize(many);
    assert.equal(summary.min, 0);
    assert.equal(summary.max, 299_999);
  });

  it('invertSummary turns µs/op into ops/s, the slowest run giving the lowest rate', () => {
    const rates = invertSummary({ n: 3, median: 50, min: 40, max: 100, q1: 45, q3: 80 });
    assert.deepEqual(rates, { n: 3, median: 20_000, min: 10_000, max: 25_000, q1: 12_500, q3: 1e6 / 45 });
  });

  it('ratio is NaN without a usable baseline', () => {
    assert.equal(ratio(10, 4), 2.5);
    assert.ok(Number.isNaN(ratio(10, 0)));
    assert.ok(Number.isNaN(ratio(undefined, 4)));
    assert.ok(Number.isNaN(ratio(10, undefined)));
  });
});

describe('format', () => {
  it('formats ratios to three significant digits with a times sign', () => {
    assert.equal(formatRatio(1), '1.00×');
    assert.equal(formatRatio(12.345), '12.3×');
    assert.equal(formatRatio(0.052_34), '0.0523×');
    assert.equal(formatRatio(1234.5), '1,235×');
    assert.equal(formatRatio(0), '0×');
    assert.equal(formatRatio(Number.NaN), '–');
    assert.equal(formatRatio(Number.POSITIVE_INFINITY), '–');
  });

  it('formats a spread as median (min–max)', () => {
    assert.equal(
      formatSpread({ n: 3, median: 52.14, min: 49.8, max: 160.2, q1: 50, q3: 60 }),
      '52.1 (49.8–160)',
    );
  });

  it('formats bytes and ticks', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
    assert.equal(formatTick(0.1), '0.1');
    assert.equal(formatTick(20_000), '20,000');
  });
});

describe('SVG bar chart', () => {
  it('(the well-formedness check itself refuses broken markup)', () => {
    assert.throws(() => assertWellFormedXml('<a><b></a></b>'));
    assert.throws(() => assertWellFormedXml('<a>x & y</a>'));
    assert.throws(() => assertWellFormedXml('<a title="<">x</a>'));
    assert.throws(() => assertWellFormedXml('<a>'));
  });

  it('is a well-formed SVG document with escaped text', () => {
    const svg = renderBarChart(chart);
    const names = assertWellFormedXml(svg);
    assert.equal(names[0], 'svg');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(svg.includes('Cost &lt;of&gt; &quot;verify&quot; &amp; friends'));
    assert.ok(svg.includes('jose&apos;s &lt;async&gt; &amp; co'));
    assert.ok(!svg.includes('NaN'), 'a bar without a value is left out, never drawn as NaN');
  });

  it('draws one bar per finite value, the baseline in its own colour, whiskers for spreads', () => {
    const svg = renderBarChart(chart);
    const bars = [
      ...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="16" fill="(#[0-9a-f]{6})"/g),
    ];
    assert.equal(bars.length, 2);
    assert.notEqual(bars[0]![2], bars[1]![2]);
    assert.ok(Number(bars[1]![1]) > Number(bars[0]![1]), 'the larger value gets the longer bar');
    assert.equal([...svg.matchAll(/<line /g)].length >= 6, true);
  });

  it('supports a log scale and an empty chart', () => {
    const log = renderBarChart({
      ...chart,
      logScale: true,
      bars: [
        { label: 'a', value: 0.2 },
        { label: 'b', value: 900 },
      ],
    });
    assertWellFormedXml(log);
    assert.ok(log.includes('>0.1<') && log.includes('>1,000<'), 'decade ticks');
    assertWellFormedXml(renderBarChart({ ...chart, bars: [] }));
  });

  it('picks 1-2-5 tick steps', () => {
    assert.equal(niceStep(100), 20);
    assert.equal(niceStep(85_000), 20_000);
    assert.equal(niceStep(7), 2);
    assert.equal(niceStep(0), 1);
  });
});

describe('report', () => {
  const outcome: ScenarioOutcome = {
    name: 'demo',
    title: 'Demo | scenario',
    status: 'partial',
    durationMs: 1234,
    result: {
      sections: [
        {
          title: 'Table',
          table: { columns: ['a|b', 'n'], align: ['left', 'right'], rows: [['x|y', '1']] },
          chart,
        },
      ],
      headlines: ['Headline <1>'],
      unavailable: [{ case: 'redis', reason: 'not available yet: no store' }],
      failures: [{ case: 'pg', reason: 'boom' }],
      notes: ['a note'],
    },
  };
  const report: ReportInput = {
    startedAt: '2026-01-01T00:00:00.000Z',
    mode: 'quick',
    command: 'npm run bench -- --quick',
    durationMs: 5000,
    machine: [['CPU', 'test']],
    notices: ['busy & loud'],
    outcomes: [
      outcome,
      { name: 'broken', title: 'Broken', status: 'failed', durationMs: 1, error: 'Error: it broke' },
    ],
  };

  it('escapes pipes in Markdown tables and right-aligns numbers', () => {
    assert.equal(
      markdownTable(outcome.result!.sections[0]!.table),
      '| a\\|b | n |\n| --- | ---: |\n| x\\|y | 1 |',
    );
  });

  it('Markdown lists failures, unavailable cases and links the chart file', () => {
    const md = renderMarkdown(report);
    assert.ok(md.includes('- **redis**: not available yet: no store'));
    assert.ok(md.includes('- **pg** failed: boom'));
    assert.ok(md.includes('](charts/demo-1.svg)'));
    assert.ok(md.includes('> Failed: Error: it broke'));
    assert.ok(md.includes('- Headline <1>'));
    assert.ok(md.includes('> **Note:** busy & loud'));
  });

  it('HTML embeds the charts inline and escapes every text', () => {
    const html = renderHtml(report);
    assert.ok(html.includes('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(html.includes('Headline &lt;1&gt;'));
    assert.ok(!html.includes('Headline <1>'));
    assert.ok(html.includes('Note: busy &amp; loud'));
    const body = html.slice(html.indexOf('<body>'), html.indexOf('</body>') + '</body>'.length);
    assertWellFormedXml(body);
  });
});

describe('scorecard', () => {
  const scored = (scorecard: NonNullable<ScenarioOutcome['result']>['scorecard']): ScenarioOutcome => ({
    name: 'memory',
    title: 'Memory',
    status: 'ok',
    durationMs: 1,
    result: { sections: [], headlines: [], unavailable: [], failures: [], notes: [], scorecard },
  });

  it('lists every goal: measured rows with pass or FAIL, the others as not measured', () => {
    const table = scorecardTable([
      scored([
        { goal: 6, what: 'set', value: '46 MB', target: '≤ 48 MB', pass: true, baselines: 'Map 69' },
        { goal: 6, what: 'cache', value: '1,681 B', target: 'stated', pass: true, baselines: '–' },
      ]),
      {
        name: 'verify',
        title: 'Verify',
        status: 'failed',
        durationMs: 1,
        error: 'boom',
      },
      scored([{ goal: 3, what: 'flood', value: '3.1×', target: '≤ 2.00×', pass: false, baselines: 'idle' }]),
    ]);
    const byGoal = (goal: number) => table.rows.filter((row) => row[0]!.startsWith(`${goal}. `));
    assert.equal(table.rows.length, 8, 'goals 1–7, goal 6 twice');
    assert.deepEqual(
      byGoal(6).map((row) => row[2]),
      ['pass', 'pass'],
    );
    assert.equal(byGoal(3)[0]![2], 'FAIL');
    assert.equal(byGoal(2)[0]![1], 'scenario `verify` failed');
    assert.equal(byGoal(4)[0]![1], 'not measured (`revocation` not run)');
    assert.equal(byGoal(1)[0]![1], 'not measured (`adapters` not run)');
    assert.equal(byGoal(7)[0]![2], 'pass');
    // A smoke run shows its figures but judges none.
    const quick = scorecardTable(
      [scored([{ goal: 6, what: 'set', value: '90 MB', target: '≤ 48 MB', pass: false, baselines: '–' }])],
      'quick',
    );
    assert.equal(
      quick.rows.find((row) => row[0]!.startsWith('6. '))![2],
      'not judged (quick run; would be FAIL)',
    );
  });

  it('leads both reports, before the machine table', () => {
    const report: ReportInput = {
      startedAt: '2026-01-01T00:00:00.000Z',
      mode: 'quick',
      command: 'npm run bench',
      durationMs: 1,
      machine: [['CPU', 'test']],
      outcomes: [
        scored([{ goal: 6, what: 'set', value: '46 MB', target: '≤ 48 MB', pass: true, baselines: '–' }]),
      ],
    };
    const md = renderMarkdown(report);
    assert.ok(md.indexOf('## Scorecard') > 0 && md.indexOf('## Scorecard') < md.indexOf('## Machine'));
    const html = renderHtml(report);
    assert.ok(
      html.indexOf('<h2>Scorecard') > 0 && html.indexOf('<h2>Scorecard') < html.indexOf('<h2>Machine'),
    );
  });
});
