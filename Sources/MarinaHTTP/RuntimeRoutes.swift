import Foundation
import HTTPTypes
import Hummingbird
import MarinaCore
import MarinaPlatform
import NIOCore
import ServiceLifecycle

/// Installs, tool calls, events, instances and logs.
enum RuntimeRoutes {
    static func add(_ api: RouterGroup<MarinaRequestContext>, _ runtime: RuntimeServices) {
        let installs = runtime.installs
        api.get("tenants/:tenant/installs") { _, context in
            JSONResponse(value: try await installs.list(try context.caller(), tenant: try context.parameters.require("tenant")))
        }
        api.get("tenants/:tenant/installs/:app") { _, context in
            JSONResponse(
                value: try await installs.get(
                    try context.caller(), tenant: try context.parameters.require("tenant"), app: try context.parameters.require("app")))
        }
        api.put("tenants/:tenant/installs/:app") { request, context in
            let body = try await request.decode(as: InstallService.Request.self, context: context)
            return JSONResponse(
                value: try await installs.install(
                    try context.caller(), tenant: try context.parameters.require("tenant"),
                    app: try context.parameters.require("app"), body), status: .created)
        }
        api.delete("tenants/:tenant/installs/:app") { _, context in
            JSONResponse(
                value: try await installs.uninstall(
                    try context.caller(), tenant: try context.parameters.require("tenant"), app: try context.parameters.require("app")))
        }
        api.post("tenants/:tenant/installs/:app/upgrade") { request, context in
            let body = try await request.decode(as: InstallService.Request.self, context: context)
            return JSONResponse(
                value: try await installs.upgrade(
                    try context.caller(), tenant: try context.parameters.require("tenant"),
                    app: try context.parameters.require("app"), body))
        }

        api.post("tenants/:tenant/apps/:app/tools/:tool") { request, context -> Response in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let result = try await runtime.dispatcher.invokeTool(
                try context.caller(), tenant: try context.parameters.require("tenant"),
                app: try context.parameters.require("app"), tool: try context.parameters.require("tool"),
                arguments: Array(body.readableBytesView))
            var response = Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: CanonicalJSON.string(result.result) + "\n")))
            response.headers[HTTPField.Name("X-Marina-Request-Id")!] = result.requestId
            return response
        }
        api.post("tenants/:tenant/apps/:app/events/:type") { request, context in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let payload: JSONValue
            do throws(DocumentError) { payload = body.readableBytes == 0 ? [:] : try JSONParser.parse(Array(body.readableBytesView)) } catch {
                throw PlatformError.invalid("the event payload is not JSON: \(error.message)")
            }
            return JSONResponse(
                value: try await runtime.events.emit(
                    try context.caller(), tenant: try context.parameters.require("tenant"),
                    app: try context.parameters.require("app"), type: try context.parameters.require("type"), payload: payload),
                status: .accepted)
        }

        api.get("instances") { _, context in JSONResponse(value: try await runtime.instances.list(try context.caller())) }
        api.get("tenants/:tenant/apps/:app/logs") { request, context -> Response in
            guard
                let log = try await runtime.instances.log(
                    try context.caller(), tenant: try context.parameters.require("tenant"), app: try context.parameters.require("app"))
            else {
                return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init())
            }
            let follow = request.uri.queryParameters.get("follow") == "true" || request.uri.queryParameters.get("follow") == "1"
            @Sendable func line(_ l: InstanceLogTail.Line) -> ByteBuffer {
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                var data = (try? encoder.encode(l)) ?? Data()
                data.append(0x0A)
                return ByteBuffer(bytes: data)
            }
            let past = log.lines()
            guard follow else {
                var buffer = ByteBuffer()
                for l in past { var b = line(l); buffer.writeBuffer(&b) }
                return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init(byteBuffer: buffer))
            }
            let live = log.follow()
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: .init { writer in
                    for l in past { try await writer.write(line(l)) }
                    // A follower does not hold up a graceful shutdown: the stream ends with it.
                    for await l in live.cancelOnGracefulShutdown() { try await writer.write(line(l)) }
                    try await writer.finish(nil)
                })
        }
    }
}
