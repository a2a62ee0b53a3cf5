/// Aligned columns for human output.
enum Table {
    static func render(_ headers: [String], _ rows: [[String]]) -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { i in all.map { $0.indices.contains(i) ? $0[i].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func print(_ headers: [String], _ rows: [[String]]) {
        if rows.isEmpty { return }
        Output.line(render(headers, rows))
    }
}
