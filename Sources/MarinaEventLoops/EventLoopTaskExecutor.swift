import NIOCore

/// A task executor that runs its jobs on one NIO event loop. A task that prefers it
/// (`withTaskExecutorPreference`) runs on the thread that does its channels' I/O, so handing work
/// between the task and those channels wakes no other thread. Its jobs must not block: a blocked
/// loop stalls every channel on it.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
