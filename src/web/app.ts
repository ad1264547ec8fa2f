/**
 * The web application: static assets, JSON API, server-rendered pages, one 404 and one error
 * middleware. Creating it has no side effects beyond the returned object; the caller listens.
 */
import express from 'express';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { errorMiddleware } from './error-middleware.ts';
import { notFound } from './http-error.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { askApi } from './routes/ask-api.ts';
import { chatRoutes } from './routes/chat-routes.ts';
import { jsonApi } from './routes/api.ts';
import { pages } from './routes/pages.ts';
import { securityHeaders } from './security-headers.ts';
import type { WebServices } from './services.ts';
import { staticAssets } from './static-assets.ts';
import { uploadMiddleware } from './upload.ts';

export interface WebAppOptions {
  services: WebServices;
  config: Config;
  logger: Logger;
}

export function createWebApp({ services, config, logger }: WebAppOptions): express.Application {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.use(staticAssets());
  // Questions can be up to MAX_QUESTION_CHARS; leave room for settings and JSON escaping.
  const jsonLimit = Math.max(100_000, config.web.maxQuestionChars * 8);
  app.use(express.json({ limit: jsonLimit }));
  app.use(express.urlencoded({ extended: false, limit: jsonLimit }));
  // One upload middleware for both upload routes: they count against one storage budget.
  const upload = uploadMiddleware(config, services.documents);
  app.use(askApi(services, config, logger));
  app.use(jsonApi(services, config, upload));
  app.use(analyticsRoutes(services));
  app.use(chatRoutes(services, config));
  app.use(pages(services, config, upload));
  app.use((req) => {
    throw notFound(`Nothing at ${req.method} ${req.path}.`);
  });
  app.use(errorMiddleware(logger, config.web.maxUploadBytes));
  return app;
}
