/** Error alert fragment (swapped in by htmx) and a minimal full error page for plain requests. */
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';

export function errorAlert(message: string, status: number): SafeHtml {
  const title = status === 503 ? 'Busy' : status === 413 ? 'Too large' : status >= 500 ? 'Error' : 'Please check';
  return html`<div class="alert alert-error" role="alert" data-status="${status}"><strong>${title}:</strong> ${message}</div>`;
}

export function errorPage(message: string, status: number): SafeHtml {
  return layout({
    title: `Error ${status}`,
    page: 'ask',
    body: html`<h1>Error ${status}</h1>${errorAlert(message, status)}<p><a href="/">Back to Ask</a></p>`,
  });
}
