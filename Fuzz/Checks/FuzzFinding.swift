/// A property a fuzz input broke (beyond crashing, which the sanitizers catch by themselves).
/// The fuzz targets stop on it as on a crash; the regression tests report it as a failure.
public struct FuzzFinding: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
