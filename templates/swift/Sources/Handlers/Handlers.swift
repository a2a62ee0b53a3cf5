import MarinaKit

public struct HelloInput: Decodable, Sendable {
    public let name: String
}

public struct HelloOutput: Encodable, Equatable {
    public let greeting: String
    /// Greetings so far in this workspace, kept in the platform's kv store.
    public let count: Int
}

/// Registers the handlers of every tool and event of marina.app.yaml.
public func register(_ app: MarinaApp) throws {
    try app.tool("hello") { (ctx: Context, input: HelloInput) -> HelloOutput in
        let count = (try await ctx.kv.get("greetings")?.intValue ?? 0) + 1
        try await ctx.kv.set("greetings", .number(Double(count)))
        return HelloOutput(greeting: "Hello, \(input.name)!", count: count)
    }
    try app.on(.install) { ctx, _ in
        ctx.logger.info("installed for \(ctx.tenant ?? "?")")
        return nil
    }
}
