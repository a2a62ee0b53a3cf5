/// Why a server could not be composed or started, in one line for the operator.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }
}
