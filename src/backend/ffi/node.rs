//! Host-wide CPU times (`virNodeGetCPUStats`), which the `virt` crate does not wrap.

use std::ffi::CStr;
use std::os::raw::c_int;

use virt::connect::Connect;
use virt::sys;

/// Cumulative (busy, total) CPU nanoseconds of all host CPUs; `None` when the host does
/// not report them (the test driver, an older libvirt).
pub fn node_cpu_times(conn: &Connect) -> Option<(u64, u64)> {
    const N: usize = 8;
    let mut params: [sys::virNodeCPUStats; N] = [sys::virNodeCPUStats {
        field: [0; 80],
        value: 0,
    }; N];
    let mut n = N as c_int;
    // SAFETY: `params` has room for `n` entries; libvirt writes at most `n` and sets `n`.
    let rc = unsafe {
        sys::virNodeGetCPUStats(
            conn.as_ptr(),
            sys::VIR_NODE_CPU_STATS_ALL_CPUS,
            params.as_mut_ptr(),
            &mut n,
            0,
        )
    };
    if rc < 0 || n <= 0 {
        return None;
    }
    let (mut busy, mut total) = (0u64, 0u64);
    for p in params.iter().take(usize::try_from(n).ok()?.min(N)) {
        // SAFETY: libvirt NUL-terminates each field name within its 80 bytes.
        let field = unsafe { CStr::from_ptr(p.field.as_ptr()) }.to_string_lossy();
        let v = p.value;
        match field.as_ref() {
            "idle" | "iowait" => total = total.saturating_add(v),
            "kernel" | "user" => {
                busy = busy.saturating_add(v);
                total = total.saturating_add(v);
            }
            _ => {}
        }
    }
    (total > 0).then_some((busy, total))
}
