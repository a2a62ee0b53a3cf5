import Foundation

/// Builds copies of the probe app (Fixtures/probe-app) with their own id, version, mode and scopes.
enum ProbeApp {
    static func make(
        id: String, version: String = "1.0.0", mode: String = "ok", scopes: [String] = [], in dir: URL, timeout: Int = 3, memoryMB: Int = 128
    ) throws -> URL {
        let app = dir.appendingPathComponent("\(id)-\(version)")
        try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
        let source = CLI.root.appendingPathComponent("Tests/MarinaCLITests/Fixtures/probe-app/server.py")
        try FileManager.default.copyItem(at: source, to: app.appendingPathComponent("server.py"))
        let tools = [
            "echo", "whoami", "hang", "garbage", "big", "fail", "oom", "forkbomb", "crash", "flood", "callback", "fetch", "fill", "note_term",
        ].map { name -> [String: Any] in
            var tool: [String: Any] = ["name": name, "timeout_s": name == "hang" ? timeout : 25]
            if name == "echo" {
                tool["input_schema"] = [
                    "type": "object", "properties": ["text": ["type": "string", "maxLength": 20]], "required": ["text"],
                    "additionalProperties": false,
                ]
                tool["output_schema"] = ["type": "object", "required": ["echo"]]
            }
            return tool
        }
        let manifest: [String: Any] = [
            "apiVersion": "marina/v1",
            "app": ["id": id, "name": "Probe", "version": version],
            "runtime": [
                "command": ["python3", "server.py"], "env": ["MODE": mode],
                "resources": ["memory_mb": memoryMB, "cpu_cores": 0.5, "max_processes": 32],
            ],
            "scopes": scopes,
            "tools": tools,
            "events": ["install", "uninstall", "inbound"],
        ]
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: app.appendingPathComponent("marina.app.json"))
        return app
    }
}
