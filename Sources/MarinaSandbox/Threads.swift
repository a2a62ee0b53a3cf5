#if canImport(Glibc)
import Glibc
#endif

/// POSIX threads and standard error without Foundation. This module is all the `marina-sandbox`
/// helper links: it runs at every wake of an instance, twice, and a binary that loads Foundation
/// takes about 9 ms longer to start than one that does not.
public enum Threads {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Runs `body` on a new detached thread; false when none could be started (a process limit).
    @discardableResult
    public static func detach(_ body: @escaping @Sendable () -> Void) -> Bool {
        start(body, detached: true) != nil
    }

    /// Runs `body` on a new thread that `join` waits for; nil when none could be started.
    static func spawn(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
        start(body, detached: false)
    }

    static func join(_ thread: pthread_t) {
        pthread_join(thread, nil)
    }

    private static func start(_ body: @escaping @Sendable () -> Void, detached: Bool) -> pthread_t? {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if detached { pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED)) }
        var thread = pthread_t()
        let status = pthread_create(
            &thread, &attributes,
            { context in
                Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        return thread
    }
}

/// Writes one line to standard error.
public func writeStandardError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
