import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import MarinaCore
import MarinaRuntime
import MarinaSandbox
import NIOCore
import NIOHTTP1

/// `marina conformance`: checks a running app against the HTTP contract (docs/app-contract.md):
/// health, manifest hash, tool routing, 404 for an unknown tool, the error shape, refusal of a
/// missing or invalid invocation token, and idempotent event delivery by id.
///
/// The suite signs invocation tokens with its own Ed25519 key, so the app must trust it: with
/// `--app DIR` the suite starts the app itself with the right environment; with `--url` the app
/// must have been started with the environment `--print-env` shows (the suite's key is fixed and
/// public: never give it to an app that serves anyone).
struct ConformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conformance", abstract: "Check an app against the HTTP contract.")
    @Option(help: "A running app's base URL.") var url: String?
    @Option(help: "An app directory: the suite starts it (its manifest's runtime.command, or --command) on a free port.") var app: String?
    @Option(help: "The start command, overriding the manifest's (split on spaces).") var command: String?
    @Option(help: "The app's manifest (default: the one in --app).") var manifest: String?
    @Flag(help: "Print the environment an app checked with --url must be started with, and exit.") var printEnv = false
    @Flag(help: "One JSON object with every check.") var json = false

    /// The suite's signing key: fixed so that an app started elsewhere can be told to trust it.
    static let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(SHA256.hash(data: Array("marina conformance suite key v1".utf8))))
    static let kid = "conformance-v1"
    static let installId = "ins_conformance"
    static let tenant = "conformance"

    static func environment(appId: String) -> [String: String] {
        let jwks: JSONValue = [
            "keys": [
                [
                    "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": .string(kid),
                    "x": .string(Base64URL.encode(Array(key.publicKey.rawRepresentation))),
                ]
            ]
        ]
        return [
            "MARINA_JWKS": CanonicalJSON.string(jwks), "MARINA_INSTALL_ID": installId, "MARINA_TENANT": tenant, "MARINA_APP": appId,
            "MARINA_VERSION": "0.0.0", "MARINA_URL": "http://127.0.0.1:9", "MARINA_APP_TOKEN": "conformance",
        ]
    }

    func run() async throws {
        do throws(CLIError) {
            let manifestPath =
                manifest
                ?? app.map { dir in
                    ManifestFormat.fileNames.map { URL(fileURLWithPath: dir).appendingPathComponent($0).path }.first {
                        FileManager.default.fileExists(atPath: $0)
                    } ?? dir
                }
            guard let manifestPath else { throw .usage("give --app DIR, or --url URL with --manifest FILE") }
            guard let bytes = FileManager.default.contents(atPath: manifestPath) else { throw .failed("cannot read \(manifestPath)") }
            let report = ManifestLoader.load(bytes: Array(bytes), fileName: manifestPath)
            guard let parsed = report.manifest, let hash = report.hash else {
                throw .failed("\(manifestPath) is not a valid manifest; run marina validate")
            }
            if printEnv {
                for (k, v) in Self.environment(appId: parsed.app.id).sorted(by: { $0.key < $1.key }) { Output.line("\(k)='\(v)'") }
                return
            }
            var child: ChildProcess?
            let base: String
            if let url {
                base = url.hasSuffix("/") ? String(url.dropLast()) : url
            } else if let app {
                guard let port = Sockets.freePort() else { throw .failed("no free TCP port on 127.0.0.1") }
                let argv = command.map { $0.split(separator: " ").map(String.init) } ?? parsed.runtime.command ?? []
                guard !argv.isEmpty else { throw .usage("the manifest has no runtime.command; give --command") }
                let environment = ProcessInfo.processInfo.environment.merging(
                    Self.environment(appId: parsed.app.id).merging(["PORT": String(port)]) { $1 }
                ) { $1 }
                do {
                    child = try ChildProcess.start(
                        argv, environment: environment, directory: app, output: FileHandle.standardError.fileDescriptor,
                        error: FileHandle.standardError.fileDescriptor, ownGroup: true)
                } catch {
                    throw .failed("\(error)")
                }
                base = "http://127.0.0.1:\(port)"
            } else {
                throw .usage("give --app DIR or --url URL")
            }
            let checks = await Self.check(base: base, manifest: parsed, hash: hash, app: child)
            // The app the suite started stops before the verdict (which may exit the process).
            if let child { await child.terminate(grace: .seconds(5)) }
            let failed = checks.filter { !$0.ok }
            if json {
                printJSON(
                    .object(
                        JSONObject([
                            ("ok", .bool(failed.isEmpty)),
                            ("checks", .array(checks.map { ["name": .string($0.name), "ok": .bool($0.ok), "detail": .string($0.detail)] })),
                        ])))
            } else {
                for c in checks { Output.line("\(c.ok ? "ok  " : "FAIL") \(c.name)\(c.detail.isEmpty ? "" : ": " + c.detail)") }
                Output.line(
                    failed.isEmpty ? "the app follows the contract (\(checks.count) checks)" : "\(failed.count) of \(checks.count) checks failed")
            }
            if !failed.isEmpty { throw .failed("the app does not follow the contract") }
        } catch { Output.exit(with: error) }
    }

    struct Check { var name: String; var ok: Bool; var detail: String }

    /// An invocation token the suite's key signs, as the platform would mint it.
    static func token(jti: String, app: String, audience: String = installId, age: Double = 0) -> String {
        let now = Date().timeIntervalSince1970.rounded(.down) - age
        return sign(
            ["alg": "EdDSA", "typ": "JWT", "kid": .string(kid)],
            [
                "iss": "marina-conformance", "sub": "marina", "aud": .string(audience), "tenant": .string(tenant), "app": .string(app),
                "version": "0.0.0", "iat": .number(now), "exp": .number(now + 60), "jti": .string(jti), "typ": "invocation",
            ])
    }

    static func sign(_ header: JSONValue, _ claims: JSONValue) -> String {
        let input = Base64URL.encode(Array(CanonicalJSON.string(header).utf8)) + "." + Base64URL.encode(Array(CanonicalJSON.string(claims).utf8))
        return input + "." + Base64URL.encode(Array(try! key.signature(for: Array(input.utf8))))
    }

    /// Arguments with a plausible value for each required property (strings, numbers, booleans).
    static func sampleArguments(_ schema: JSONValue) -> JSONValue {
        var out = JSONObject()
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            switch schema["properties"]?[name]?["type"]?.stringValue {
            case "integer", "number": out[name] = 1
            case "boolean": out[name] = true
            case "array": out[name] = []
            case "object": out[name] = [:]
            default: out[name] = "conformance"
            }
        }
        return .object(out)
    }

    /// Runs every check against `base`. `app` is the process the suite started, if it did: its
    /// exit ends the wait for health at once, and an answer from a port it no longer holds is not
    /// taken for its own.
    static func check(base: String, manifest: Manifest, hash: String, app: ChildProcess? = nil) async -> [Check] {
        var checks: [Check] = []
        func send(
            _ method: HTTPMethod, _ path: String, body: JSONValue? = nil, token: String? = nil, headers: [(String, String)] = [],
            timeout: TimeAmount = .seconds(10)
        ) async -> (Int, JSONValue?) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if let token { request.headers.add(name: "Authorization", value: "Bearer " + token) }
            for (k, v) in headers { request.headers.add(name: k, value: v) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: CanonicalJSON.string(body)))
            }
            guard let response = try? await APIClient.http.execute(request, timeout: timeout),
                let buffer = try? await response.body.collect(upTo: DocumentLimits.canonicalForm.maxBytes)
            else { return (0, nil) }
            return (Int(response.status.code), try? JSONParser.parse(Array(buffer.readableBytesView)))
        }
        func errorShape(_ v: JSONValue?) -> Bool { v?["error"]?["code"]?.stringValue != nil && v?["error"]?["message"]?.stringValue != nil }
        func got(_ status: Int, _ body: JSONValue?) -> String {
            "got \(status)" + (status >= 400 && !errorShape(body) ? " without the error shape" : "")
        }

        // One deadline for the whole wait, each probe short: a port that accepts and never answers
        // must not stretch the wait to a probe timeout per attempt.
        let deadline = ContinuousClock.now + .seconds(10)
        var healthy = false
        var exited: Int32?
        while !healthy, ContinuousClock.now < deadline {
            if let code = app?.poll() { exited = code; break }
            if await send(.GET, "/health", timeout: .seconds(1)).0 == 200 { healthy = true; break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        // A 200 from a port the app never held (it failed to bind) is someone else's.
        if healthy, let code = app?.poll() { healthy = false; exited = code }
        let detail = exited.map { "the app exited with status \($0) before answering (its stderr is above)" } ?? "no 200 within 10 s"
        checks.append(Check(name: "GET /health answers 200", ok: healthy, detail: healthy ? "" : detail))
        guard healthy else { return checks }

        let (status, served) = await send(.GET, "/manifest")
        let servedHash = served.flatMap { v in
            ManifestLoader.load(bytes: Array(CanonicalJSON.string(v).utf8), fileName: "manifest.json", limits: .canonicalForm).hash
        }
        checks.append(
            Check(
                name: "GET /manifest hashes to the manifest", ok: status == 200 && servedHash == hash,
                detail: servedHash == hash ? "" : "served \(servedHash ?? "no valid manifest"), expected \(hash)"))

        let valid = { (jti: String) -> String in token(jti: jti, app: manifest.app.id) }
        if let tool = manifest.tools.first {
            let (noToken, body1) = await send(.POST, "/tool/" + tool.name, body: [:])
            checks.append(
                Check(
                    name: "a tool call without a token is refused (401 invalid_token)", ok: noToken == 401 && errorShape(body1),
                    detail: got(noToken, body1)))
            let good = valid("req_conf_1")
            let parts = good.split(separator: ".")
            let forged = parts[0] + "." + parts[1] + "." + Base64URL.encode(Array(repeating: 7, count: 64))
            let (badToken, body2) = await send(.POST, "/tool/" + tool.name, body: [:], token: String(forged))
            checks.append(
                Check(
                    name: "a tool call with a forged token is refused (401)", ok: badToken == 401 && errorShape(body2), detail: got(badToken, body2)))
            let (wrongAudience, body5) = await send(
                .POST, "/tool/" + tool.name, body: [:], token: Self.token(jti: "req_conf_aud", app: manifest.app.id, audience: "ins_other"))
            checks.append(
                Check(
                    name: "a token for another install is refused (401)", ok: wrongAudience == 401 && errorShape(body5),
                    detail: got(wrongAudience, body5)))
            let (expired, body6) = await send(
                .POST, "/tool/" + tool.name, body: [:], token: Self.token(jti: "req_conf_old", app: manifest.app.id, age: 600))
            checks.append(Check(name: "an expired token is refused (401)", ok: expired == 401 && errorShape(body6), detail: got(expired, body6)))
            let (routed, body3) = await send(
                .POST, "/tool/" + tool.name, body: sampleArguments(tool.inputSchema), token: good, headers: [("X-Marina-Request-Id", "req_conf_1")])
            checks.append(
                Check(
                    name: "a declared tool is routed (not 401/404)",
                    ok: routed != 0 && routed != 401 && routed != 404 && (routed < 400 || errorShape(body3)),
                    detail: got(routed, body3)))
        }
        let (unknown, body4) = await send(.POST, "/tool/marina_conformance_no_such_tool", body: [:], token: valid("req_conf_2"))
        checks.append(
            Check(name: "an unknown tool is 404 with the error shape", ok: unknown == 404 && errorShape(body4), detail: got(unknown, body4)))
        if let event = manifest.events.first {
            let envelope: JSONValue = [
                "id": "evt_conformance_1", "type": .string(event), "tenant": .string(tenant), "app": .string(manifest.app.id), "version": "0.0.0",
                "payload": [:],
            ]
            let (first, firstBody) = await send(
                .POST, "/event/" + event, body: envelope, token: valid("evt_conformance_1"), headers: [("X-Marina-Event-Id", "evt_conformance_1")])
            let (again, againBody) = await send(
                .POST, "/event/" + event, body: envelope, token: valid("evt_conformance_1"), headers: [("X-Marina-Event-Id", "evt_conformance_1")])
            // The repeat is acknowledged as a duplicate, unless no handler took the event at all.
            let unhandled = firstBody?["handled"] == false && againBody?["handled"] == false
            let once = (200..<300).contains(first) && (200..<300).contains(again) && (againBody?["duplicate"] == true || unhandled)
            checks.append(
                Check(
                    name: "an event delivered twice with one id is handled once", ok: once,
                    detail: "got \(first), then \(again) \(againBody.map(CanonicalJSON.string) ?? "")"))
        }
        return checks
    }
}
