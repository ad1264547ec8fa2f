/** The escape-by-default html template tag. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, raw } from '../../src/web/html.ts';

void test('interpolated values are escaped', () => {
  const name = '<script>alert("x")</script> & \'co\'';
  assert.equal(html`<p>${name}</p>`.value, '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</p>');
});

void test('attribute values cannot break out of quotes', () => {
  const v = '" onmouseover="alert(1)';
  assert.equal(html`<a title="${v}">x</a>`.value, '<a title="&quot; onmouseover=&quot;alert(1)">x</a>');
});

void test('fragments nest without double escaping, arrays join, empty values vanish', () => {
  const items = ['a<b', 'c'].map((i) => html`<li>${i}</li>`);
  assert.equal(html`<ul>${items}</ul>${null}${undefined}${false}`.value, '<ul><li>a&lt;b</li><li>c</li></ul>');
  assert.equal(html`${0} ${true}`.value, '0 true');
});

void test('raw() is the only way to insert markup unescaped', () => {
  assert.equal(html`<div>${raw('<b>trusted</b>')}</div>`.value, '<div><b>trusted</b></div>');
  assert.equal(escapeHtml('<b>'), '&lt;b&gt;');
});
