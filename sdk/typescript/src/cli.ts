#!/usr/bin/env node
// `node dist/cli.js check FILE...`: one JSON line per file, the same verdict, codes, paths and
// hash as `marina validate --json`.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ManifestFileError, loadManifestFile } from './manifest/loader';
import { ScopeCatalog } from './manifest/scopes';
import { extendScopeCatalog } from './manifest/scope-file';

const USAGE = `usage: marina-sdk check [--scopes FILE] FILE...
       marina-sdk canonical FILE

check      print one JSON line per manifest: {"file","valid","format","errors":[{"code","path"}],"hash","notes":[{"code","path"}]}
           exit status: 0 all valid, 1 some invalid, 2 a file cannot be read or the command line is wrong
canonical  print the canonical JSON (RFC 8785) of a valid manifest's marina/v1 form
`;

function write(line: string): void {
  process.stdout.write(line + '\n');
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    process.stderr.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  let catalog = ScopeCatalog.default;
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--scopes') {
      const file = rest[++i];
      if (file === undefined) {
        process.stderr.write('marina-sdk: --scopes needs a FILE\n');
        return 2;
      }
      try {
        const result = extendScopeCatalog(ScopeCatalog.default, readFileSync(file), basename(file));
        if (!(result instanceof ScopeCatalog)) {
          process.stderr.write(`marina-sdk: ${file} is not a valid scope catalog:\n` + result.map((d) => `  ${d.path || '/'}: ${d.message} [${d.code}]`).join('\n') + '\n');
          return 2;
        }
        catalog = result;
      } catch (e) {
        process.stderr.write(`marina-sdk: ${file}: ${(e as Error).message}\n`);
        return 2;
      }
    } else if (rest[i] === '--') {
      files.push(...rest.slice(i + 1));
      break;
    } else {
      files.push(rest[i]);
    }
  }
  switch (command) {
    case 'check': {
      if (files.length === 0) {
        process.stderr.write(USAGE);
        return 2;
      }
      let status = 0;
      for (const file of files) {
        try {
          const report = loadManifestFile(file, { context: { catalog } });
          write(
            JSON.stringify({
              file,
              valid: report.valid,
              format: report.format,
              errors: report.diagnostics.map((d) => ({ code: d.code, path: d.path })),
              hash: report.hash ?? null,
              notes: report.notes.map((n) => ({ code: n.code, path: n.path })),
            }),
          );
          if (!report.valid) status = Math.max(status, 1);
        } catch (e) {
          if (!(e instanceof ManifestFileError)) throw e;
          process.stderr.write(`marina-sdk: ${e.message}\n`);
          write(JSON.stringify({ file, valid: false, format: null, errors: [{ code: 'unreadable', path: '' }], hash: null, notes: [] }));
          status = 2;
        }
      }
      return status;
    }
    case 'canonical': {
      if (files.length !== 1) {
        process.stderr.write(USAGE);
        return 2;
      }
      try {
        const report = loadManifestFile(files[0], { context: { catalog } });
        if (!report.valid || report.canonicalJSON === undefined) {
          for (const d of report.diagnostics) process.stderr.write(`${d.path || '/'}: ${d.message} [${d.code}]\n`);
          return 1;
        }
        write(report.canonicalJSON);
        return 0;
      } catch (e) {
        if (!(e instanceof ManifestFileError)) throw e;
        process.stderr.write(`marina-sdk: ${e.message}\n`);
        return 2;
      }
    }
    default:
      process.stderr.write(`marina-sdk: unknown command ${command}\n` + USAGE);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
