import Hummingbird
import MarinaPlatform

/// Secrets (defaults and tenant overrides; values go in, never out) and key rotation.
enum VaultRoutes {
    static func add(_ api: RouterGroup<MarinaRequestContext>, secrets: SecretsService?, keys: KeyRotationService?) {
        if let secrets {
            api.get("apps/:app/secrets") { _, context in
                JSONResponse(value: try await secrets.list(try context.caller(), app: try context.parameters.require("app"), tenant: nil))
            }
            api.get("tenants/:tenant/apps/:app/secrets") { _, context in
                JSONResponse(
                    value: try await secrets.list(
                        try context.caller(), app: try context.parameters.require("app"), tenant: try context.parameters.require("tenant")))
            }
            api.put("apps/:app/secrets/:key") { request, context in
                let body = try await request.decode(as: SecretsService.SetRequest.self, context: context)
                return JSONResponse(
                    value: try await secrets.set(
                        try context.caller(), app: try context.parameters.require("app"), tenant: nil,
                        key: try context.parameters.require("key"), body))
            }
            api.put("tenants/:tenant/apps/:app/secrets/:key") { request, context in
                let body = try await request.decode(as: SecretsService.SetRequest.self, context: context)
                return JSONResponse(
                    value: try await secrets.set(
                        try context.caller(), app: try context.parameters.require("app"), tenant: try context.parameters.require("tenant"),
                        key: try context.parameters.require("key"), body))
            }
            api.delete("apps/:app/secrets/:key") { _, context -> Response in
                try await secrets.unset(
                    try context.caller(), app: try context.parameters.require("app"), tenant: nil, key: try context.parameters.require("key"))
                return Response(status: .noContent)
            }
            api.delete("tenants/:tenant/apps/:app/secrets/:key") { _, context -> Response in
                try await secrets.unset(
                    try context.caller(), app: try context.parameters.require("app"), tenant: try context.parameters.require("tenant"),
                    key: try context.parameters.require("key"))
                return Response(status: .noContent)
            }
        }
        if let keys {
            api.post("keys/rotate") { request, context in
                let body = try await request.decode(as: KeyRotationService.Request.self, context: context)
                return JSONResponse(value: try await keys.rotate(try context.caller(), body))
            }
        }
    }
}
