/// The seccomp filter every instance runs under (bubblewrap loads it with `--seccomp FD` just
/// before it starts the relay): a deny-list of system calls that an unprivileged app has no use
/// for and that have been the way out of sandboxes — kernel keyrings, BPF, perf events,
/// userfaultfd, io_uring, ptrace and cross-process memory access, namespaces, mounts (old and new
/// API), module loading, kexec, handle-based opens, clocks and the terminal-injection ioctls. They
/// fail with EPERM, so a program that probes for them carries on. A system call of another ABI
/// (32-bit `int 0x80`, x32) kills the process: the deny-list is written for the native one only.
///
/// The program is classic BPF as the kernel takes it: `struct sock_filter` entries of 8 bytes.
public enum SeccompFilter {
    /// The denied calls by name, for documentation and tests.
    public static let deniedNames = [
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
        "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
        "io_uring_setup", "io_uring_enter", "io_uring_register",
        "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
        "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
        "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
        "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "quotactl", "vhangup", "syslog",
        "swapon", "swapoff", "reboot", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    ]

    #if arch(x86_64)
    static let arch: UInt32 = 0xC000_003E  // AUDIT_ARCH_X86_64
    static let ioctl: UInt32 = 16
    static let numbers: [String: UInt32] = [
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "pidfd_getfd": 438,
        "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "init_module": 175, "finit_module": 313, "delete_module": 176, "kexec_load": 246, "kexec_file_load": 320,
        "open_by_handle_at": 304, "name_to_handle_at": 303, "lookup_dcookie": 212, "quotactl": 179, "vhangup": 153, "syslog": 103,
        "swapon": 167, "swapoff": 168, "reboot": 169, "acct": 163, "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159,
    ]
    /// Calls of the x32 ABI carry this bit.
    static let x32Bit: UInt32? = 0x4000_0000
    #elseif arch(arm64)
    static let arch: UInt32 = 0xC000_00B7  // AUDIT_ARCH_AARCH64
    static let ioctl: UInt32 = 29
    static let numbers: [String: UInt32] = [
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "pidfd_getfd": 438,
        "keyctl": 219, "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "init_module": 105, "finit_module": 273, "delete_module": 106, "kexec_load": 104, "kexec_file_load": 294,
        "open_by_handle_at": 265, "name_to_handle_at": 264, "lookup_dcookie": 18, "quotactl": 60, "vhangup": 58, "syslog": 116,
        "swapon": 224, "swapoff": 225, "reboot": 142, "acct": 89, "settimeofday": 170, "clock_settime": 112, "clock_adjtime": 266, "adjtimex": 171,
    ]
    static let x32Bit: UInt32? = nil
    #else
    static let arch: UInt32 = 0
    static let ioctl: UInt32 = 0
    static let numbers: [String: UInt32] = [:]
    static let x32Bit: UInt32? = nil
    #endif

    /// ioctl requests refused: TIOCSTI (push input into a terminal) and TIOCLINUX.
    static let deniedIoctls: [UInt32] = [0x5412, 0x541C]

    static let retAllow: UInt32 = 0x7FFF_0000
    static let retKillProcess: UInt32 = 0x8000_0000
    static let retEPERM: UInt32 = 0x0005_0000 | 1

    /// The program for this machine's architecture; nil where it has no table (the sandbox then
    /// runs without one, and says so).
    public static func program() -> [UInt8]? {
        guard arch != 0 else { return nil }
        var p: [(code: UInt16, jt: UInt8, jf: UInt8, k: UInt32)] = []
        let ldW: UInt16 = 0x20, jeq: UInt16 = 0x15, jge: UInt16 = 0x35, ret: UInt16 = 0x06
        p.append((ldW, 0, 0, 4))  // A = arch
        p.append((jeq, 1, 0, arch))  // native: skip the kill
        p.append((ret, 0, 0, retKillProcess))
        p.append((ldW, 0, 0, 0))  // A = syscall number
        if let x32Bit {
            p.append((jge, 0, 1, x32Bit))
            p.append((ret, 0, 0, retKillProcess))
        }
        for name in deniedNames {
            p.append((jeq, 0, 1, numbers[name]!))
            p.append((ret, 0, 0, retEPERM))
        }
        // ioctl: refuse the denied requests (the low 32 bits of args[1], at offset 24 on little-endian).
        p.append((jeq, 0, UInt8(1 + 2 * deniedIoctls.count), ioctl))
        p.append((ldW, 0, 0, 24))
        for request in deniedIoctls {
            p.append((jeq, 0, 1, request))
            p.append((ret, 0, 0, retEPERM))
        }
        p.append((ret, 0, 0, retAllow))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(p.count * 8)
        for i in p {
            bytes += [UInt8(i.code & 0xFF), UInt8(i.code >> 8), i.jt, i.jf]
            bytes += [UInt8(i.k & 0xFF), UInt8((i.k >> 8) & 0xFF), UInt8((i.k >> 16) & 0xFF), UInt8(i.k >> 24)]
        }
        return bytes
    }
}
