// An app written with MarinaKit speaks JSON through MarinaCore's `JSONValue` and reads its
// `Manifest`: importing MarinaKit is enough.
@_exported import MarinaCore
