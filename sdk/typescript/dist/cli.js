#!/usr/bin/env node
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// `node dist/cli.js check FILE...`: one JSON line per file, the same verdict, codes, paths and
// hash as `marina validate --json`.
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const loader_1 = require("./manifest/loader");
const scopes_1 = require("./manifest/scopes");
const scope_file_1 = require("./manifest/scope-file");
const USAGE = `usage: marina-sdk check [--scopes FILE] FILE...
       marina-sdk canonical FILE

check      print one JSON line per manifest: {"file","valid","format","errors":[{"code","path"}],"hash"}
           exit status: 0 all valid, 1 some invalid, 2 a file cannot be read or the command line is wrong
canonical  print the canonical JSON (RFC 8785) of a valid manifest's marina/v1 form
`;
function write(line) {
    process.stdout.write(line + '\n');
}
function main(argv) {
    const [command, ...rest] = argv;
    if (command === undefined || command === '-h' || command === '--help') {
        process.stderr.write(USAGE);
        return command === undefined ? 2 : 0;
    }
    let catalog = scopes_1.ScopeCatalog.default;
    const files = [];
    for (let i = 0; i < rest.length; i++) {
        if (rest[i] === '--scopes') {
            const file = rest[++i];
            if (file === undefined) {
                process.stderr.write('marina-sdk: --scopes needs a FILE\n');
                return 2;
            }
            try {
                const result = (0, scope_file_1.extendScopeCatalog)(scopes_1.ScopeCatalog.default, (0, node_fs_1.readFileSync)(file), (0, node_path_1.basename)(file));
                if (!(result instanceof scopes_1.ScopeCatalog)) {
                    process.stderr.write(`marina-sdk: ${file} is not a valid scope catalog:\n` + result.map((d) => `  ${d.path || '/'}: ${d.message} [${d.code}]`).join('\n') + '\n');
                    return 2;
                }
                catalog = result;
            }
            catch (e) {
                process.stderr.write(`marina-sdk: ${file}: ${e.message}\n`);
                return 2;
            }
        }
        else if (rest[i] === '--') {
            files.push(...rest.slice(i + 1));
            break;
        }
        else {
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
                    const report = (0, loader_1.loadManifestFile)(file, { context: { catalog } });
                    write(JSON.stringify({
                        file,
                        valid: report.valid,
                        format: report.format,
                        errors: report.diagnostics.map((d) => ({ code: d.code, path: d.path })),
                        hash: report.hash ?? null,
                    }));
                    if (!report.valid)
                        status = Math.max(status, 1);
                }
                catch (e) {
                    if (!(e instanceof loader_1.ManifestFileError))
                        throw e;
                    process.stderr.write(`marina-sdk: ${e.message}\n`);
                    write(JSON.stringify({ file, valid: false, format: null, errors: [{ code: 'unreadable', path: '' }], hash: null }));
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
                const report = (0, loader_1.loadManifestFile)(files[0], { context: { catalog } });
                if (!report.valid || report.canonicalJSON === undefined) {
                    for (const d of report.diagnostics)
                        process.stderr.write(`${d.path || '/'}: ${d.message} [${d.code}]\n`);
                    return 1;
                }
                write(report.canonicalJSON);
                return 0;
            }
            catch (e) {
                if (!(e instanceof loader_1.ManifestFileError))
                    throw e;
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
