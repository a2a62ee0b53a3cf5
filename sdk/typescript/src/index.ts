// @marina/sdk: the manifest core (load, validate, canonical hash) and the app runtime.
export { JSONValue, JSONObject, JSONPointer, fromPlain, toPlain, jsonEqual, typeName } from './json/value';
export { JSONParser } from './json/parser';
export { canonicalJSON, canonicalHash, formatNumber } from './json/canonical';
export { composeYAML } from './yaml/composer';
export { ManifestDiagnostic, ManifestErrorCode, DocumentError, DocumentLimits, defaultLimits } from './manifest/diagnostics';
export {
  ManifestFormat,
  ManifestReport,
  NativeManifest,
  LoadOptions,
  MANIFEST_FILE_NAMES,
  ManifestFileError,
  parseDocument,
  loadManifest,
  loadManifestText,
  loadManifestDocument,
  loadManifestFile,
  locateManifest,
} from './manifest/loader';
export { ScopeCatalog, ScopeDefinition } from './manifest/scopes';
export { extendScopeCatalog } from './manifest/scope-file';
export { StringFormat, ValidationContext, checkFormat } from './manifest/formats';
export { ManifestNote, ManifestNoteCode } from './manifest/notes';
export { CronExpression, CronParseError } from './support/cron';
export { SemanticVersion } from './support/semver';
export {
  MarinaApp,
  createApp,
  AppOptions,
  AppRequest,
  AppResponse,
  ListenOptions,
  RunningServer,
  MarinaEvent,
  EventContext,
  ToolHandler,
  EventHandler,
  LifecycleEvent,
  firstLine,
} from './runtime/app';
export { Context, KvHelpers, ToolsClient, SecretsClient, createContext } from './runtime/context';
export { ToolCallError, ToolDecision, AppError, RegistrationError, RegistrationErrorCode, ManifestError, InvalidTokenError } from './runtime/errors';
export { TokenVerifier, TokenVerifierOptions, InvocationClaims, JWK, JWKSet } from './runtime/token';
export { PlatformClient, PlatformToolInfo, HttpPlatformClient, MockPlatformClient, MockConfig } from './runtime/platform';
export { EventDeduplicator, kvOnce } from './runtime/dedupe';
export { Logger, LogLevel, createLogger } from './runtime/logger';
