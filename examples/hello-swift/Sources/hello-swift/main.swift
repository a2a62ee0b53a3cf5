import MarinaKit

/// The arguments of `greet`, decoded by MarinaKit (a mismatch answers 400 invalid_args).
struct Greeting: Decodable, Sendable {
    let name: String
}

struct Greeted: Encodable {
    let greeting: String
    /// How many greetings this tenant has had, kept in the platform's kv store.
    let count: Int
}

let app = try MarinaApp(manifest: CommandLine.arguments.dropFirst().first ?? "marina.app.yaml")

try app.tool("greet") { (ctx: Context, input: Greeting) -> Greeted in
    let count = (try await ctx.kv.get("greetings")?.intValue ?? 0) + 1
    try await ctx.kv.set("greetings", .number(Double(count)))
    return Greeted(greeting: "Hello, \(input.name)!", count: count)
}

try app.tool("echo") { _, args in args }

try app.on(.install) { ctx, event in
    ctx.logger.info("installed for \(ctx.tenant ?? "?") (event \(event.id))")
    return nil
}

try await app.run()
