import Foundation
import HTTPTypes
import Hummingbird
import MarinaCore
import MarinaEventLoops
import MarinaPlatform
import Prometheus

/// The HTTP surface: probes and metrics at the root, the public API under `/api/v1` (described
/// in `openapi.yaml`). Handlers parse, call one platform service, and render.
public enum APIRouter {
    public static func build(_ services: PlatformServices, metrics: PrometheusCollectorRegistry? = nil) -> Router<MarinaRequestContext> {
        let router = Router(context: MarinaRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: MetricsMiddleware())

        router.get("healthz") { _, _ in JSONResponse(value: ["status": "ok"]) }
        router.get("readyz") { _, _ -> JSONResponse<[String: String]> in
            guard await services.databaseReachable() else {
                throw APIError(status: .serviceUnavailable, code: .notReady, message: "the database cannot be reached")
            }
            return JSONResponse(value: ["status": "ready"])
        }
        // Every sandbox reaches this server (through its platform socket), so the metrics — which
        // name tenants, apps and volumes — need the platform admin's key here; `serve
        // --metrics-listen` serves them without one on a loopback address of their own.
        router.get("metrics") { request, _ -> Response in
            guard try await AuthMiddleware.principal(request, services.access).isAdmin else {
                throw PlatformError.forbidden("only the platform admin reads the metrics")
            }
            return metricsResponse(metrics)
        }

        if let gateway = services.gateway, let jwks = services.jwks {
            AppRoutes.add(router, gateway: gateway, jwks: jwks, newRequestId: { PlatformEnvironment.live.id("req") })
        }
        let api = router.group("api/v1").add(middleware: AuthMiddleware(access: services.access))
        addIdentityRoutes(api, services)
        addRegistryRoutes(api, services)
        AuditRoutes.add(api, services.audit)
        VaultRoutes.add(api, secrets: services.secrets, keys: services.keys)
        if let runtime = services.runtime { RuntimeRoutes.add(api, runtime) }
        return router
    }

    /// The router of `serve --metrics-listen`: `/metrics` without a key, and nothing else.
    public static func metricsOnly(_ metrics: PrometheusCollectorRegistry) -> Router<MarinaRequestContext> {
        let router = Router(context: MarinaRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("metrics") { _, _ in metricsResponse(metrics) }
        return router
    }

    static func metricsResponse(_ metrics: PrometheusCollectorRegistry?) -> Response {
        var buffer: [UInt8] = []
        metrics?.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    static func addIdentityRoutes(_ api: RouterGroup<MarinaRequestContext>, _ services: PlatformServices) {
        api.get("whoami") { _, context in JSONResponse(value: try await services.access.whoami(try context.caller())) }

        struct NewTenant: Decodable { var slug: String; var name: String?; var staging: Bool? }
        api.post("tenants") { request, context in
            let body = try await request.decode(as: NewTenant.self, context: context)
            return JSONResponse(
                value: try await services.tenants.create(try context.caller(), slug: body.slug, name: body.name, staging: body.staging ?? false),
                status: .created)
        }
        api.get("tenants") { _, context in JSONResponse(value: try await services.tenants.list(try context.caller())) }
        api.get("tenants/:tenant") { _, context in
            JSONResponse(value: try await services.tenants.get(try context.caller(), slug: try context.parameters.require("tenant")))
        }

        api.post("keys") { request, context in
            let body = try await request.decode(as: AccessService.KeyRequest.self, context: context)
            return JSONResponse(value: try await services.access.createKey(try context.caller(), body), status: .created)
        }
        api.get("keys") { _, context in JSONResponse(value: try await services.access.listKeys(try context.caller())) }
        api.delete("keys/:key") { _, context in
            JSONResponse(value: try await services.access.revokeKey(try context.caller(), id: try context.parameters.require("key")))
        }
    }

    static let bundleContentTypes = ["application/gzip", "application/x-gzip", "application/tar+gzip", "application/x-tar+gzip"]

    static func addRegistryRoutes(_ api: RouterGroup<MarinaRequestContext>, _ services: PlatformServices) {
        let registry = services.registry
        api.get("apps") { _, context in JSONResponse(value: try await registry.apps(try context.caller())) }
        api.get("apps/:app") { _, context in
            let slug = try context.parameters.require("app")
            guard let app = try await registry.apps(try context.caller()).first(where: { $0.slug == slug }) else {
                throw PlatformError.notFound("app \(slug)")
            }
            return JSONResponse(value: app)
        }

        api.post("apps/:app/versions") { request, context in
            let principal = try context.caller()
            let mediaType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let mediaType, bundleContentTypes.contains(mediaType) else {
                throw PlatformError(.unsupportedMediaType, .unsupportedMediaType, "a bundle is uploaded as application/gzip (a .tar.gz)")
            }
            let expected = request.headers[HTTPField.Name("X-Marina-Manifest-Hash")!]
            let view = try await registry.publish(principal, app: try context.parameters.require("app"), expectedManifestHash: expected) { upload in
                // Hashed and written on NIO's thread pool, a batch at a time, off the connection's loop.
                var batch: [UInt8] = []
                for try await buffer in request.body {
                    batch += buffer.readableBytesView
                    guard batch.count >= 256 * 1024 else { continue }
                    try await Offload.run { [batch] in try upload.write(batch) }
                    batch = []
                }
                if !batch.isEmpty { try await Offload.run { [batch] in try upload.write(batch) } }
            }
            return JSONResponse(value: view, status: .created)
        }
        api.get("apps/:app/versions") { _, context in
            JSONResponse(value: try await registry.versions(try context.caller(), app: try context.parameters.require("app")))
        }
        api.get("apps/:app/versions/:version") { _, context in
            let (view, manifest) = try await registry.version(
                try context.caller(), app: try context.parameters.require("app"), version: try context.parameters.require("version"))
            return JSONResponse(value: VersionDetail(version: view, manifest: manifest))
        }
        api.get("apps/:app/versions/:version/bundle") { _, context -> Response in
            let url = try await registry.bundle(
                try context.caller(), app: try context.parameters.require("app"), version: try context.parameters.require("version"))
            let body = try await FileIO().loadFile(path: url.path, context: context)
            return Response(status: .ok, headers: [.contentType: "application/gzip"], body: body)
        }

        api.get("apps/:app/channels") { _, context in
            let principal = try context.caller()
            let slug = try context.parameters.require("app")
            guard let app = try await registry.apps(principal).first(where: { $0.slug == slug }) else { throw PlatformError.notFound("app \(slug)") }
            return JSONResponse(value: Channels(channels: app.channels, history: try await registry.history(principal, app: slug)))
        }
        struct Deploy: Decodable { var version: String }
        api.put("apps/:app/channels/:channel") { request, context in
            let body = try await request.decode(as: Deploy.self, context: context)
            return JSONResponse(
                value: try await registry.deploy(
                    try context.caller(), app: try context.parameters.require("app"), version: body.version,
                    channel: try context.parameters.require("channel")))
        }

        api.get("versions") { request, context in
            let principal = try context.caller()
            let slugs: [String]
            if let app = request.uri.queryParameters.get("app") { slugs = [app] } else { slugs = try await registry.apps(principal).map(\.slug) }
            var all: [VersionView] = []
            for slug in slugs { all += try await registry.versions(principal, app: slug) }
            return JSONResponse(value: all)
        }
    }

    struct VersionDetail: Encodable {
        var version: VersionView
        var manifest: JSONValue
    }

    struct Channels: Encodable {
        var channels: [String: String]
        var history: [ChannelMoveView]
    }
}
