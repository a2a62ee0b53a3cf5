import { buildApp } from './handlers';

const app = buildApp();
// MARINA_SOCKET inside Marina's sandbox, else $PORT.
app.listen().catch((error: Error) => {
  app.logger.error('cannot listen', { error: error.message });
  process.exit(1);
});
